package org.aitbc.coordinator.it.retries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * Attempts that end by the miner's fault: the job goes back to the queue after the back-off (5 s,
 * the default, on the test server), to another matching miner, and the client pays only for the
 * attempt that delivered.
 */
public class AutomaticRetryIT {
    private static final long BACKOFF_MS = 5000;

    private static String fail(String minerKey, String minerId, String job, String body) {
        return Api.post("/v1/miners/" + job + "/fail?miner_id=" + minerId, minerKey, body)
                .expect(200)
                .str("job_status");
    }

    @Test
    void gpuErrorOnMinerAIsRetriedOnMinerBAfterTheBackOffAndOnlyBIsBilled() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String a = region + "-a";
        String b = region + "-b";
        Api.register(minerKey, a, region, 1);
        Api.register(minerKey, b, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, a, 0));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + a, minerKey, null).expect(200);
        Api.sleep(1200);

        long failedAt = System.currentTimeMillis();
        assertEquals(
                "pending",
                fail(
                        minerKey,
                        a,
                        job,
                        "{\"error_code\":\"GPU_ERROR\",\"error_message\":\"Xid 79: GPU has fallen off the bus\"}"));
        JsonObject requeued = Api.job(client, job);
        assertEquals("pending", requeued.getString("status"));
        assertEquals(2, requeued.getInt("attempt"));
        assertEquals(JsonValue.NULL, requeued.get("error"), "a job waiting for its next attempt has no error");

        // Neither miner gets it during the back-off; afterwards A, asking first each time, still
        // does not get it, because B matches too; B does.
        String claimedBy = null;
        long claimedAt = 0;
        while (System.currentTimeMillis() - failedAt < BACKOFF_MS + 15_000) {
            String viaA = Api.poll(minerKey, a, 0);
            assertNull(viaA, "miner A is never offered the job it failed while B matches");
            String viaB = Api.poll(minerKey, b, 0);
            if (viaB != null) {
                assertEquals(job, viaB);
                claimedBy = b;
                claimedAt = System.currentTimeMillis();
                break;
            }
            Api.sleep(250);
        }
        assertEquals(b, claimedBy, "miner B claimed the retried job");
        assertTrue(
                claimedAt - failedAt >= BACKOFF_MS,
                "claimed " + (claimedAt - failedAt) + " ms after the failure, not before the 5 s back-off");
        assertNull(Api.poll(minerKey, a, 0));

        Api.post("/v1/miners/" + job + "/start?miner_id=" + b, minerKey, null).expect(200);
        Api.sleep(2100);
        Api.post("/v1/miners/" + job + "/result?miner_id=" + b, minerKey, "{\"result\":{\"output\":\"ok\"}}")
                .expect(200);

        JsonObject done = Api.job(client, job);
        assertEquals("completed", done.getString("status"));
        assertEquals(2, done.getInt("attempt"));
        assertEquals(b, done.getString("miner_id"), "B holds the job");
        JsonArray attempts = done.getJsonArray("attempts");
        assertEquals(2, attempts.size(), attempts.toString());
        JsonObject first = attempts.getJsonObject(0);
        JsonObject second = attempts.getJsonObject(1);
        assertEquals(1, first.getInt("attempt"));
        assertEquals(a, first.getString("miner_id"));
        assertEquals("miner_failed", first.getString("outcome"));
        assertEquals("GPU_ERROR", first.getString("error_code"));
        assertFalse(first.getBoolean("billable"));
        assertEquals(0, first.getJsonNumber("billable_seconds").longValue());
        assertEquals(0, first.getJsonNumber("cost").bigDecimalValue().signum());
        assertNotNull(first.getString("started_at"));
        assertNotNull(first.getString("ended_at"));
        assertEquals(2, second.getInt("attempt"));
        assertEquals(b, second.getString("miner_id"));
        assertEquals("completed", second.getString("outcome"));
        assertTrue(second.getBoolean("billable"));
        long bSeconds = second.getJsonNumber("billable_seconds").longValue();
        assertTrue(bSeconds >= 2, "B ran at least 2 s: " + bSeconds);
        // The job names no GPU type: the default rate, 0.05 per GPU-hour, × 1 GPU × normal (1.0).
        BigDecimal bCost = new BigDecimal("0.05")
                .multiply(BigDecimal.valueOf(bSeconds))
                .divide(BigDecimal.valueOf(3600), 6, RoundingMode.HALF_UP);
        assertEquals(0, bCost.compareTo(second.getJsonNumber("cost").bigDecimalValue()), second.toString());
        assertEquals(
                0,
                bCost.compareTo(done.getJsonNumber("cost").bigDecimalValue()),
                "cost counts only B's run: " + done.get("cost"));

        // The events say why attempt 1 ended, and who was assigned: A, then B, never A again.
        List<String> assigned = new ArrayList<>();
        boolean why = false;
        for (JsonValue v : Api.get("/v1/jobs/" + job + "/events", client).array("events")) {
            JsonObject e = v.asJsonObject();
            if ("assigned".equals(e.getString("status")) && "status".equals(e.getString("type"))) {
                assigned.add(e.getString("miner_id"));
            }
            if ("pending".equals(e.getString("status")) && !e.isNull("message")) {
                String m = e.getString("message");
                why |= m.contains("attempt 1 ended") && m.contains("GPU_ERROR") && m.contains(a);
            }
        }
        assertEquals(List.of(a, b), assigned);
        assertTrue(why, "an event says attempt 1 ended by A's GPU_ERROR");
    }

    @Test
    void aNonRetryableFailureEndsTheJobAtOnce() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String m = region + "-m";
        Api.register(minerKey, m, region, 2);
        Api.register(minerKey, region + "-other", region, 1);
        String plain = Api.submit(client, region);
        String saidNo = Api.submit(client, region);
        List<String> got = List.of(Api.poll(minerKey, m, 0), Api.poll(minerKey, m, 0));
        assertTrue(got.contains(plain) && got.contains(saidNo), got.toString());

        assertEquals("failed", fail(minerKey, m, plain, "{\"error_code\":\"BAD_INPUT\",\"error_message\":\"no\"}"));
        JsonObject failed = Api.job(client, plain);
        assertEquals("BAD_INPUT", failed.getJsonObject("error").getString("code"));
        assertEquals(1, failed.getInt("attempt"));
        // retryable false outranks a listed code.
        assertEquals("failed", fail(minerKey, m, saidNo, "{\"error_code\":\"GPU_ERROR\",\"retryable\":false}"));
        assertEquals("GPU_ERROR", Api.job(client, saidNo).getJsonObject("error").getString("code"));
        assertNull(Api.poll(minerKey, region + "-other", 0), "nothing was requeued");

        // retryable must be a boolean, named when it is not.
        String third = Api.submit(client, region);
        assertEquals(third, Api.poll(minerKey, m, 0));
        Api.post(
                        "/v1/miners/" + third + "/fail?miner_id=" + m,
                        minerKey,
                        "{\"error_code\":\"X\",\"retryable\":\"yes\"}")
                .expectError(422, "VALIDATION_FAILED");
        assertEquals("assigned", Api.job(client, third).getString("status"), "the refused call changed nothing");
    }

    @Test
    void retryableTrueWithTheOnlyMatchingMinerGoesBackToItAfterTheBackOffUntilMaxAttempts() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String m = region + "-only";
        Api.register(minerKey, m, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, m, 0));
        long failedAt = System.currentTimeMillis();
        assertEquals("pending", fail(minerKey, m, job, "{\"error_code\":\"DRIVER_RESET\",\"retryable\":true}"));
        assertNull(Api.poll(minerKey, m, 0), "not during the back-off");
        String again = Api.poll(minerKey, m, 15);
        assertEquals(job, again, "the only matching miner gets the job back");
        assertTrue(System.currentTimeMillis() - failedAt >= BACKOFF_MS);
        assertEquals(2, Api.job(client, job).getInt("attempt"));
        // The test server allows 2 attempts: the second miner-side failure ends the job, unbilled.
        assertEquals("failed", fail(minerKey, m, job, "{\"error_code\":\"DRIVER_RESET\",\"retryable\":true}"));
        JsonObject failed = Api.job(client, job);
        assertEquals("DRIVER_RESET", failed.getJsonObject("error").getString("code"));
        assertEquals(0, failed.getJsonNumber("cost").bigDecimalValue().signum());
        assertEquals(2, failed.getJsonArray("attempts").size());
    }
}
