package org.aitbc.coordinator.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard's shape: its Prometheus data source is a variable that every panel and
 * query uses, and it has one row per concern. That each query returns data is PrometheusIT's.
 */
class DashboardTest {
    private JsonObject dashboard() throws Exception {
        try (JsonReader r = Json.createReader(
                new StringReader(Files.readString(OpsFiles.root().resolve("ops/grafana/aitbc-dashboard.json"))))) {
            return r.readObject();
        }
    }

    @Test
    void theDataSourceIsAVariableEveryPanelUses() throws Exception {
        JsonObject d = dashboard();
        JsonObject variable = d.getJsonObject("templating").getJsonArray("list").stream()
                .map(JsonValue::asJsonObject)
                .filter(v -> "datasource".equals(v.getString("name")))
                .findFirst()
                .orElseThrow();
        assertEquals("datasource", variable.getString("type"));
        assertEquals("prometheus", variable.getString("query"));
        for (JsonValue v : d.getJsonArray("panels")) {
            JsonObject panel = v.asJsonObject();
            if ("row".equals(panel.getString("type"))) {
                continue;
            }
            assertEquals("${datasource}", panel.getJsonObject("datasource").getString("uid"), panel.getString("title"));
            assertFalse(panel.getJsonArray("targets").isEmpty(), panel.getString("title") + " has queries");
            for (JsonValue t : panel.getJsonArray("targets")) {
                assertEquals(
                        "${datasource}",
                        t.asJsonObject().getJsonObject("datasource").getString("uid"),
                        panel.getString("title"));
            }
        }
    }

    @Test
    void oneRowPerConcern() throws Exception {
        List<String> rows = new ArrayList<>();
        for (JsonValue v : dashboard().getJsonArray("panels")) {
            if ("row".equals(v.asJsonObject().getString("type"))) {
                rows.add(v.asJsonObject().getString("title"));
            }
        }
        for (String concern :
                List.of("Throughput", "Queue", "Latency", "Miners", "Failures", "WebSocket", "Database pool")) {
            assertTrue(rows.contains(concern), "a row for " + concern + ": " + rows);
        }
    }
}
