package org.aitbc.coordinator.it.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Deadlines enforced by the sweeper timer, with the test server's short settings (lease 8 s,
 * sweep every 1 s, 2 attempts; see src/test/liberty/server.env).
 */
@Order(Schedule.LONG_WAITS)
public class LeaseExpiryIT {
    private static final Duration LEASE_PLUS_SWEEP = Duration.ofSeconds(20);

    @Test
    void heartbeatsKeepTheLeaseThenExpiryRequeuesAndTheLastAttemptFailsMinerLost() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String job = Api.submit(client, region);
        Api.register(minerKey, region + "-a", region, 1);
        Api.register(minerKey, region + "-b", region, 1);
        assertEquals(job, Api.poll(minerKey, region + "-a", 0));

        // Heartbeats for longer than one lease keep the job with miner a.
        for (int i = 0; i < 6; i++) {
            Api.post("/v1/miners/heartbeat?miner_id=" + region + "-a", minerKey, "{\"inflight\":1,\"status\":\"BUSY\"}")
                    .expect(200);
            Api.sleep(2000);
        }
        JsonObject held = Api.job(client, job);
        assertEquals("assigned", held.getString("status"));
        assertEquals(1, held.getInt("attempt"));

        // Miner a goes quiet: the job returns to the queue for attempt 2.
        JsonObject requeued = Api.awaitStatus(client, job, "pending", LEASE_PLUS_SWEEP);
        assertEquals(2, requeued.getInt("attempt"));
        Api.post("/v1/miners/" + job + "/progress?miner_id=" + region + "-a", minerKey, "{\"progress\":10}")
                .expectError(409, "LEASE_LOST");

        assertEquals(job, Api.poll(minerKey, region + "-b", 0));
        // A write that names the old attempt is fenced off, even from the current holder.
        Api.call(
                        "POST",
                        "/v1/miners/" + job + "/start?miner_id=" + region + "-b",
                        minerKey,
                        null,
                        Map.of("X-Job-Attempt", "1"))
                .expectError(409, "LEASE_LOST");
        Api.call(
                        "POST",
                        "/v1/miners/" + job + "/start?miner_id=" + region + "-b",
                        minerKey,
                        null,
                        Map.of("X-Job-Attempt", "2"))
                .expect(200);

        // Miner b goes quiet too: no attempts left.
        JsonObject failed = Api.awaitStatus(client, job, "failed", LEASE_PLUS_SWEEP);
        assertEquals("MINER_LOST", failed.getJsonObject("error").getString("code"));
        List<String> statuses = Api.get("/v1/jobs/" + job + "/events", client).array("events").stream()
                .map(v -> v.asJsonObject().getString("status"))
                .toList();
        assertEquals(List.of("pending", "assigned", "pending", "assigned", "running", "failed"), statuses);
        Api.post("/v1/miners/" + job + "/result?miner_id=" + region + "-b", minerKey, "{\"result\":{}}")
                .expectError(409, "LEASE_LOST");
    }

    @Test
    void unclaimedPastTtlFailsExpired() {
        String client = Api.client();
        String job = Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"ttl_seconds\":1,\"requirements\":{\"region\":\"" + Api.uniqueRegion()
                                + "\"}}")
                .expect(201)
                .str("job_id");
        JsonObject failed = Api.awaitStatus(client, job, "failed", Duration.ofSeconds(15));
        assertEquals("EXPIRED", failed.getJsonObject("error").getString("code"));
        assertEquals(0, failed.getJsonNumber("cost").bigDecimalValue().signum(), "nothing ran, nothing is charged");
    }

    @Test
    void runningPastTimeoutFailsTimeoutAndFencesTheMiner() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String job = Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"timeout_seconds\":2,\"requirements\":{\"region\":\"" + region + "\"}}")
                .expect(201)
                .str("job_id");
        Api.register(minerKey, region + "-m", region, 1);
        assertEquals(job, Api.poll(minerKey, region + "-m", 0));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + region + "-m", minerKey, null)
                .expect(200);
        JsonObject failed = Api.awaitStatus(client, job, "failed", Duration.ofSeconds(15));
        assertEquals("TIMEOUT", failed.getJsonObject("error").getString("code"));
        Api.post("/v1/miners/" + job + "/progress?miner_id=" + region + "-m", minerKey, "{\"progress\":99}")
                .expectError(409, "LEASE_LOST");
    }

    @Test
    void cancelingJobWhoseMinerNeverAnswersEndsCanceledWhenTheLeaseRunsOut() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String job = Api.submit(client, region);
        Api.register(minerKey, region + "-m", region, 1);
        assertEquals(job, Api.poll(minerKey, region + "-m", 0));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + region + "-m", minerKey, null)
                .expect(200);
        assertEquals(
                "canceling", Api.delete("/v1/jobs/" + job, client).expect(200).str("cancellation"));
        Api.awaitStatus(client, job, "canceled", LEASE_PLUS_SWEEP);
    }
}
