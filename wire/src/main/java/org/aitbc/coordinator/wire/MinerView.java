package org.aitbc.coordinator.wire;

import jakarta.json.JsonValue;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * A miner as an admin sees it: whose it is, what it registered (capabilities exactly as sent,
 * unknown fields included, and the normalised form matching uses), its current session, and its
 * latest heartbeat's telemetry. Never the session token, which only its hash stands for.
 */
@JsonbPropertyOrder({
    "minerId",
    "accountId",
    "registered",
    "session",
    "sessionStartedAt",
    "status",
    "inflight",
    "heldJobs",
    "gpuTypes",
    "gpuNames",
    "gpuCount",
    "maxVramGb",
    "models",
    "region",
    "concurrency",
    "capabilities",
    "extra",
    "telemetry",
    "registeredAt",
    "lastSeenAt"
})
public record MinerView(
        String minerId,
        String accountId,
        boolean registered,
        Integer session,
        Instant sessionStartedAt,
        String status,
        Integer inflight,
        long heldJobs,
        List<String> gpuTypes,
        List<String> gpuNames,
        int gpuCount,
        int maxVramGb,
        List<String> models,
        String region,
        int concurrency,
        JsonValue capabilities,
        JsonValue extra,
        JsonValue telemetry,
        Instant registeredAt,
        Instant lastSeenAt) {

    /** The list answer of {@code GET /v1/admin/miners}. */
    public record Page(List<MinerView> miners) {}
}
