package org.aitbc.coordinator.interfaces.mapping;

import jakarta.json.Json;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import org.aitbc.coordinator.application.MinerService;
import org.aitbc.coordinator.domain.Miner;
import org.aitbc.coordinator.wire.MinerView;

/** Maps a miner (with how many jobs it holds) to the admin's wire record. */
public final class MinerViews {
    private MinerViews() {}

    public static MinerView of(MinerService.Overview o) {
        Miner m = o.miner();
        return new MinerView(
                m.getId(),
                m.getAccountId(),
                m.isRegistered(),
                m.getSessionNo(),
                m.getSessionStartedAt(),
                m.getStatus(),
                m.getInflight(),
                o.heldJobs(),
                m.getGpuTypes(),
                m.getGpuNames(),
                m.getGpuCount(),
                m.getMaxVramGb(),
                m.getModels(),
                m.getRegion(),
                m.getConcurrency(),
                json(m.getCapabilitiesJson()),
                json(m.getExtraJson()),
                json(m.getTelemetryJson()),
                m.getRegisteredAt(),
                m.getLastSeenAt());
    }

    private static JsonValue json(String text) {
        if (text == null) {
            return JsonValue.NULL;
        }
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readValue();
        }
    }
}
