package org.aitbc.coordinator.wire;

import jakarta.json.JsonValue;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.time.Instant;
import java.util.List;

/** The answers of the miner protocol (spec §4). */
public final class MinerAnswers {
    private MinerAnswers() {}

    /** A registration: the miner id it is for and the token of the session it started (shown once). */
    @JsonbPropertyOrder({"status", "minerId", "sessionToken"})
    public record Registered(String status, String minerId, String sessionToken) {}

    public record Heartbeat(String status, List<String> cancelJobIds) {}

    /** A claimed job: what to run, under which attempt, until when the lease holds. */
    public record Assignment(
            String jobId, JsonValue payload, JsonValue constraints, int attempt, Instant leaseExpiresAt) {}

    public record Progress(String status, boolean cancelRequested) {}

    public record Done(String status, String jobId, String jobStatus) {}

    /** A result file put in place: its size and SHA-256 as stored. */
    @JsonbPropertyOrder({"path", "sizeBytes", "sha256"})
    public record Stored(String path, long sizeBytes, String sha256) {}
}
