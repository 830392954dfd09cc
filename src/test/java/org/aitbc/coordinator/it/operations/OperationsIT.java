package org.aitbc.coordinator.it.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/** What operators watch: health checks, Prometheus metrics and the OpenAPI document. */
// Alone: compares the server-wide job counters of /metrics before and after with exact deltas.
@Isolated
@Order(Schedule.ISOLATED)
public class OperationsIT {
    private static double metric(String text, String name) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{[^}]*\\} ([0-9.E+-]+)$")
                .matcher(text);
        return m.find() ? Double.parseDouble(m.group(1)) : -1;
    }

    @Test
    void healthReportsDatabaseAndSweeper() {
        JsonObject ready = Api.get("/health/ready", null).expect(200).json();
        assertEquals("UP", ready.getString("status"));
        assertTrue(ready.toString().contains("\"database\""));
        JsonObject live = Api.get("/health/live", null).expect(200).json();
        assertEquals("UP", live.getString("status"));
        assertTrue(live.toString().contains("lease-sweeper"));
        Api.get("/health/started", null).expect(200);
    }

    @Test
    void metricsCountWhatHappens() {
        String before = Api.get("/metrics?scope=application", null).expect(200).body();
        double submitted = metric(before, "aitbc_jobs_submitted_total");
        double claimed = metric(before, "aitbc_jobs_claimed_total");
        double completed = metric(before, "aitbc_jobs_completed_total");
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        Api.register(minerKey, region + "-m", region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, region + "-m", 0));
        Api.post("/v1/miners/" + job + "/result?miner_id=" + region + "-m", minerKey, "{\"result\":{}}")
                .expect(200);
        String after = Api.get("/metrics?scope=application", null).expect(200).body();
        assertEquals(submitted + 1, metric(after, "aitbc_jobs_submitted_total"));
        assertEquals(claimed + 1, metric(after, "aitbc_jobs_claimed_total"));
        assertEquals(completed + 1, metric(after, "aitbc_jobs_completed_total"));
        assertTrue(metric(after, "aitbc_jobs_queue_wait_seconds_count") >= 1);
        assertTrue(after.contains("aitbc_jobs{mp_scope=\"application\",state=\"pending\",}"), "jobs by state");
    }

    @Test
    void openApiDocumentsEveryRoute() {
        String doc = Api.get("/openapi", null).expect(200).body();
        for (String route : List.of(
                "/v1/jobs:",
                "/v1/jobs/batch:",
                "/v1/jobs/history:",
                "/v1/jobs/export:",
                "/v1/jobs/stats:",
                "/v1/jobs/{id}:",
                "/v1/jobs/{id}/events:",
                "/v1/jobs/{id}/cancel:",
                "/v1/jobs/{id}/result:",
                "/v1/miners/register:",
                "/v1/miners/heartbeat:",
                "/v1/miners/poll:",
                "/v1/miners/{job_id}/start:",
                "/v1/miners/{job_id}/progress:",
                "/v1/miners/{job_id}/result:",
                "/v1/miners/{job_id}/fail:",
                "/v1/admin/accounts:",
                "/v1/admin/accounts/{id}:")) {
            assertTrue(doc.contains("  " + route), "OpenAPI documents " + route);
        }
        assertTrue(
                doc.contains("LEASE_LOST") && doc.contains("VALIDATION_FAILED") && doc.contains("RATE_LIMITED"),
                "error answers are documented");
    }
}
