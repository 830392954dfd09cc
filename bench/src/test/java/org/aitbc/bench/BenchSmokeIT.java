package org.aitbc.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The benchmark harness end to end in smoke mode, as {@code bench/run.sh --smoke} runs it, so that
 * it does not rot: it creates and starts its own server from this build (the war and the Open Liberty
 * runtime the server module installed), every scenario runs at a small scale, and the report it
 * writes must hold every figure, measured, with no failed request. With a server of its own the
 * harness can seed expired results and lost leases, so the purge and sweep figures are measured too.
 */
public class BenchSmokeIT {
    private static final List<String> MEASURED = List.of(
            "lifecycle_rate",
            "claim_p50",
            "claim_p99",
            "ws_p50",
            "ws_p99",
            "read_p50",
            "read_p99",
            "submit_rate",
            "upload_rate",
            "download_rate",
            "download_zip_rate",
            "transfer_heap_growth",
            "list_p50",
            "list_p99",
            "deep_p99",
            "stats_p99",
            "export_seconds",
            "export_heap_growth");
    private static final List<String> WITH_BASELINE = List.of(
            "lifecycle_rate",
            "ws_p99",
            "read_p99",
            "submit_rate",
            "upload_rate",
            "download_rate",
            "list_p99",
            "stats_p99",
            "export_seconds");

    @Test
    void theHarnessRunsEndToEndAndReportsEveryFigure() throws Exception {
        Path project = Path.of(System.getProperty("bench.project.dir", "."))
                .toAbsolutePath()
                .normalize();
        Path out = project.resolve("target/bench/BENCHMARKS-smoke-it.md");
        // -Dbench.port=N: the harness's server on a port of this checkout's own (9381 is everyone's).
        Path json = Bench.run(
                "--smoke",
                "--project",
                project.toString(),
                "--out",
                out.toString(),
                "--port",
                System.getProperty("bench.port", "9381"));

        JsonObject report;
        try (JsonReader r = Json.createReader(new StringReader(Files.readString(json)))) {
            report = r.readObject();
        }
        Map<String, JsonObject> figures = new HashMap<>();
        for (JsonValue v : report.getJsonArray("figures")) {
            figures.put(v.asJsonObject().getString("id"), v.asJsonObject());
        }
        for (String id : MEASURED) {
            JsonObject f = figures.get(id);
            assertNotNull(f, "figure " + id + " is in the report");
            assertFalse(f.containsKey("skipped"), id + " was measured: " + f);
            assertEquals(1, f.getJsonArray("values").size(), id + " has one value in smoke mode: " + f);
            assertTrue(f.getJsonArray("values").getJsonNumber(0) != null, id + " has a number: " + f);
            assertEquals(0, f.getInt("errors"), id + " had no failed request and no lost event: " + f);
        }
        for (String id : WITH_BASELINE) {
            JsonObject f = figures.get(id);
            assertEquals(1, f.getJsonArray("baseline").size(), id + " has its baseline: " + f);
            assertTrue(f.getJsonArray("baseline").getJsonNumber(0).doubleValue() > 0, id + " baseline > 0: " + f);
            assertTrue(f.getJsonArray("values").getJsonNumber(0).doubleValue() > 0, id + " > 0: " + f);
        }
        // Expired results can only be made by seeding the harness's own database: measured here.
        JsonObject purge = figures.get("purge_read_p99");
        assertFalse(purge.containsKey("skipped"), "the purge was measured on the harness's own server: " + purge);
        assertEquals(0, purge.getInt("errors"), "no failed read during the purge: " + purge);
        // So can leases that ran out and an export beside reads: measured, every requeued job pending after.
        for (String id : List.of("sweep_read_p99", "export_read_p99")) {
            JsonObject f = figures.get(id);
            assertNotNull(f, "figure " + id + " is in the report");
            assertFalse(f.containsKey("skipped"), id + " was measured on the harness's own server: " + f);
            assertEquals(0, f.getInt("errors"), id + ": no failed read, no job lost: " + f);
            assertEquals(1, f.getJsonArray("baseline").size(), id + " has its baseline: " + f);
        }
        assertEquals(0, figures.get("list_p99").getInt("errors"), "the list's total matches the seeded rows");
        assertTrue(report.getJsonObject("machine").getString("CPU").contains("cores"));

        String md = Files.readString(out);
        assertTrue(md.contains("| Figure | Measured | Baseline (same run) |"), md);
        for (String id : MEASURED) {
            assertTrue(md.contains(figures.get(id).getString("name")), "the report has a row for " + id);
        }
    }
}
