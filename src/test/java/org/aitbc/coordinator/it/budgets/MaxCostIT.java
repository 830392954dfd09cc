package org.aitbc.coordinator.it.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * {@code max_cost}: refused at submission below the estimate; a running job whose cost so far
 * reaches it is stopped (canceling, {@code BUDGET_EXCEEDED}), keeps its partial results and is
 * billed no more than it. The test server's model {@code it-tiny} has a 2 s typical run, so its
 * estimate on an A100 (0.10 per GPU-hour) is 0.000056 and 0.000084 is 3 s of running.
 */
public class MaxCostIT {
    private static final BigDecimal MAX = new BigDecimal("0.000084");

    private static String submitCapped(String client, String region, String maxCost) {
        return Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"it-tiny\",\"input\":\"x\",\"requirements\":{\"gpu_type\":\"a100\",\"region\":\""
                                + region + "\"},\"timeout_seconds\":600,\"max_cost\":" + maxCost + "}")
                .expect(201)
                .str("job_id");
    }

    @Test
    void aMaxCostBelowTheEstimateIsRefusedByName() {
        String client = Api.client();
        String region = Api.uniqueRegion();
        Api.Res refused = Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"requirements\":{\"gpu_type\":\"a100\",\"region\":\"" + region
                                + "\"},\"max_cost\":\"0.0001\"}")
                .expectError(422, "VALIDATION_FAILED");
        assertEquals(
                "max_cost",
                refused.json()
                        .getJsonObject("error")
                        .getJsonArray("fields")
                        .getJsonObject(0)
                        .getString("field"));
        assertTrue(refused.body().contains("estimated_cost"), refused.body());
        for (String bad : new String[] {"0", "-1", "\"abc\"", "true", "{}", "\"1e3\"", "0.0000001"}) {
            Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"max_cost\":" + bad + "}")
                    .expectError(422, "VALIDATION_FAILED");
        }
        // In a batch, the problem names the job's index.
        Api.Res batch = Api.post(
                        "/v1/jobs/batch",
                        client,
                        "[{\"model\":\"gpt2\",\"requirements\":{\"region\":\"" + region + "\"}},"
                                + "{\"model\":\"gpt2\",\"requirements\":{\"region\":\"" + region
                                + "\"},\"max_cost\":0.0001}]")
                .expectError(422, "VALIDATION_FAILED");
        assertTrue(batch.body().contains("[1].max_cost"), batch.body());
        assertEquals(0, Api.get("/v1/jobs", client).expect(200).json().getInt("total"), "nothing was created");
        // A number and a decimal string are both accepted.
        JsonObject ok = Api.get("/v1/jobs/" + submitCapped(client, region, "\"0.000084\""), client)
                .expect(200)
                .json();
        assertEquals(0, MAX.compareTo(ok.getJsonNumber("max_cost").bigDecimalValue()));
        assertEquals(
                0,
                MAX.compareTo(Api.job(client, submitCapped(client, region, "0.000084"))
                        .getJsonNumber("max_cost")
                        .bigDecimalValue()));
    }

    @Test
    void progressPastMaxCostStopsTheJobKeepingPartialResultsBilledAtMostMaxCost() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String m = region + "-m";
        Api.register(minerKey, m, region, 1);
        String job = submitCapped(client, region, MAX.toPlainString());
        assertEquals(job, Api.poll(minerKey, m, 0));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + m, minerKey, null).expect(200);
        Api.upload(minerKey, m, job, "result.txt", "partial output".getBytes(StandardCharsets.UTF_8))
                .expect(200);
        boolean told = false;
        long until = System.currentTimeMillis() + 20_000;
        int percent = 1;
        while (!told && System.currentTimeMillis() < until) {
            told = Api.post(
                            "/v1/miners/" + job + "/progress?miner_id=" + m,
                            minerKey,
                            "{\"progress\":" + Math.min(99, percent++) + "}")
                    .expect(200)
                    .json()
                    .getBoolean("cancel_requested");
            if (!told) {
                Api.sleep(500);
            }
        }
        assertTrue(told, "the progress answer told the miner to stop");
        JsonObject stopping = Api.job(client, job);
        assertEquals("canceling", stopping.getString("status"));
        assertEquals("BUDGET_EXCEEDED", stopping.getJsonObject("error").getString("code"));
        // The heartbeat says it too, as for a client's cancel.
        assertTrue(Api.post("/v1/miners/heartbeat?miner_id=" + m, minerKey, "{\"inflight\":1}")
                .expect(200)
                .body()
                .contains(job));

        Api.sleep(1500);
        Api.post("/v1/miners/" + job + "/fail?miner_id=" + m, minerKey, "{\"error_code\":\"CANCELED\"}")
                .expect(200);
        JsonObject ended = Api.job(client, job);
        assertEquals("canceled", ended.getString("status"));
        assertEquals("BUDGET_EXCEEDED", ended.getJsonObject("error").getString("code"));
        BigDecimal cost = ended.getJsonNumber("cost").bigDecimalValue();
        assertTrue(cost.compareTo(MAX) <= 0, "billed " + cost + ", at most max_cost " + MAX);
        assertTrue(cost.signum() > 0, "the time used is billed");
        Api.Bytes partial = Api.bytes("GET", "/v1/jobs/" + job + "/download?file=result.txt", client, null, Map.of());
        assertEquals(200, partial.status());
        assertEquals("partial output", new String(partial.body(), StandardCharsets.UTF_8));
    }

    @Test
    void aRunningJobThatOnlyHeartbeatsOrIsSilentIsStoppedAtItsMaxCostToo() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String m = region + "-m";
        String quiet = region + "-quiet";
        Api.register(minerKey, m, region, 1);
        Api.register(minerKey, quiet, region, 1);
        String beating = submitCapped(client, region, MAX.toPlainString());
        assertEquals(beating, Api.poll(minerKey, m, 0));
        String silent = submitCapped(client, region, MAX.toPlainString());
        assertEquals(silent, Api.poll(minerKey, quiet, 0));
        Api.post("/v1/miners/" + beating + "/start?miner_id=" + m, minerKey, null)
                .expect(200);
        // This miner never calls again: only the sweep can stop its job (before its 8 s lease runs out).
        Api.post("/v1/miners/" + silent + "/start?miner_id=" + quiet, minerKey, null)
                .expect(200);
        boolean told = false;
        long until = System.currentTimeMillis() + 20_000;
        while (!told && System.currentTimeMillis() < until) {
            told = Api.post("/v1/miners/heartbeat?miner_id=" + m, minerKey, "{\"inflight\":1}")
                    .expect(200)
                    .json()
                    .getJsonArray("cancel_job_ids")
                    .toString()
                    .contains(beating);
            Api.sleep(400);
        }
        assertTrue(told, "a heartbeat past max_cost answers the job among cancel_job_ids");
        assertEquals(
                "BUDGET_EXCEEDED",
                Api.awaitStatus(client, silent, "canceling", Duration.ofSeconds(10))
                        .getJsonObject("error")
                        .getString("code"));
    }
}
