package org.aitbc.coordinator.it.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.math.BigDecimal;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /v1/jobs/stats/daily} (the per-day series behind the console's charts) and the
 * admin-only {@code GET /v1/admin/miners} the operator page reads, against the real server.
 */
public class DailyStatsIT {

    @Test
    void dailySeriesAddsUpToTheStatisticsAndCoversEveryDay() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, 3);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            ids.add(Api.submit(client, region));
        }
        for (int i = 0; i < 2; i++) {
            assertEquals(ids.get(i), Api.poll(minerKey, miner, 1));
            Api.post("/v1/miners/" + ids.get(i) + "/start?miner_id=" + miner, minerKey, null)
                    .expect(200);
        }
        Api.post("/v1/miners/" + ids.get(0) + "/result?miner_id=" + miner, minerKey, "{\"result\":{}}")
                .expect(200);
        Api.post("/v1/miners/" + ids.get(1) + "/fail?miner_id=" + miner, minerKey, "{\"error_code\":\"OOM\"}")
                .expect(200);
        Api.delete("/v1/jobs/" + ids.get(2), client).expect(200);

        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        JsonObject daily = Api.get("/v1/jobs/stats/daily", client).expect(200).json();
        assertEquals(today.toString(), daily.getString("to"), "the default range ends today");
        assertEquals(today.minusDays(29).toString(), daily.getString("from"), "and covers 30 days");
        JsonArray days = daily.getJsonArray("days");
        assertEquals(30, days.size(), "every day is present, zeros included");
        for (int i = 0; i < 30; i++) {
            assertEquals(
                    today.minusDays(29 - i).toString(), days.getJsonObject(i).getString("date"), "in date order");
        }
        JsonObject day = days.getJsonObject(29);
        assertEquals(3, day.getInt("total_jobs"), "ended jobs only: the pending one is not counted");
        JsonObject by = day.getJsonObject("by_status");
        assertEquals(Set.of("completed", "failed", "canceled"), by.keySet());
        assertEquals(1, by.getInt("completed"));
        assertEquals(1, by.getInt("failed"));
        assertEquals(1, by.getInt("canceled"));
        assertEquals(1.0 / 3, day.getJsonNumber("success_rate").doubleValue(), 1e-9);
        assertEquals(0, days.getJsonObject(0).getInt("total_jobs"));
        assertTrue(days.getJsonObject(0).isNull("success_rate"));

        // The same counters as /stats: the ended jobs and the spend agree.
        JsonObject stats = Api.get("/v1/jobs/stats?from=" + today + "&to=" + today, client)
                .expect(200)
                .json();
        for (String s : by.keySet()) {
            assertEquals(stats.getJsonObject("by_status").getInt(s), by.getInt(s), s);
        }
        BigDecimal spent = day.getJsonNumber("spent").bigDecimalValue();
        assertEquals(0, stats.getJsonNumber("total_spent").bigDecimalValue().compareTo(spent));

        JsonObject one = Api.get("/v1/jobs/stats/daily?from=" + today + "&to=" + today, client)
                .expect(200)
                .json();
        assertEquals(1, one.getJsonArray("days").size());
        assertEquals(3, one.getJsonArray("days").getJsonObject(0).getInt("total_jobs"));

        // Another client sees none of these; an admin sees them among everyone's.
        JsonObject other = Api.get("/v1/jobs/stats/daily?from=" + today, Api.client())
                .expect(200)
                .json();
        assertEquals(0, other.getJsonArray("days").getJsonObject(0).getInt("total_jobs"));
        JsonObject all = Api.get("/v1/jobs/stats/daily?from=" + today, Api.ADMIN_KEY)
                .expect(200)
                .json();
        assertTrue(all.getJsonArray("days").getJsonObject(0).getInt("total_jobs") >= 3);
    }

    @Test
    void badDatesAreRefusedNamingTheParameter() {
        String client = Api.client();
        assertField(Api.get("/v1/jobs/stats/daily?from=someday", client).expectError(400, "INVALID_PARAMETER"), "from");
        assertField(Api.get("/v1/jobs/stats/daily?to=2026-13-01", client).expectError(400, "INVALID_PARAMETER"), "to");
        assertField(
                Api.get("/v1/jobs/stats/daily?from=2026-05-02&to=2026-05-01", client)
                        .expectError(400, "INVALID_PARAMETER"),
                "to");
        assertField(
                Api.get("/v1/jobs/stats/daily?from=2000-01-01&to=2026-01-01", client)
                        .expectError(400, "INVALID_PARAMETER"),
                "from");
        Api.get("/v1/jobs/stats/daily", null).expectError(401, "UNAUTHENTICATED");
    }

    @Test
    void minersListIsForAdminsOnly() {
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        Api.register(minerKey, region + "-a", region, 2);
        JsonObject page = Api.get("/v1/admin/miners?limit=500&after=" + region, Api.ADMIN_KEY)
                .expect(200)
                .json();
        JsonObject m = page.getJsonArray("miners").getJsonObject(0);
        assertEquals(region + "-a", m.getString("miner_id"));
        assertEquals(region, m.getString("region"));
        assertEquals(1, m.getInt("gpu_count"));
        assertEquals(0, m.getInt("held_jobs"));
        assertTrue(m.containsKey("last_seen_at"));
        Api.get("/v1/admin/miners", Api.client()).expectError(403, "FORBIDDEN");
        Api.get("/v1/admin/miners", minerKey).expectError(403, "FORBIDDEN");
    }

    @Test
    void theConsolesQuoteAnswersWhatTheSubmissionWillCostAndStoresNothing() {
        String client = Api.client();
        String body = "{\"model\":\"gpt2\",\"input\":\"hi\",\"requirements\":{\"gpu_type\":\"a100\",\"gpu_count\":2,"
                + "\"region\":\"" + Api.uniqueRegion() + "\"},"
                + "\"priority\":\"high\",\"timeout_seconds\":600}";
        JsonObject estimate =
                Api.post("/v1/jobs/quote", client, body).expect(200).json();
        assertEquals(0, Api.get("/v1/jobs", client).expect(200).json().getInt("total"), "nothing was stored");
        JsonObject job = Api.post("/v1/jobs", client, body).expect(201).json();
        assertEquals(
                0,
                job.getJsonNumber("estimated_cost")
                        .bigDecimalValue()
                        .compareTo(estimate.getJsonNumber("estimated_cost").bigDecimalValue()));
        assertEquals(job.getInt("estimated_time_seconds"), estimate.getInt("estimated_time_seconds"));
        Api.Res bad = Api.post("/v1/jobs/quote", client, "{\"model\":\"gpt2\",\"priority\":\"soon\"}")
                .expectError(422, "VALIDATION_FAILED");
        assertField(bad, "priority");
    }

    private static void assertField(Api.Res r, String field) {
        assertEquals(
                field,
                r.json()
                        .getJsonObject("error")
                        .getJsonArray("fields")
                        .getJsonObject(0)
                        .getString("field"));
    }
}
