package org.aitbc.coordinator.it.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * The sweeper is paced (the test server allows it 50 overdue jobs a second, and each run, every
 * second, stops before the next is due): a miner that vanishes holding more jobs than one run's
 * budget has every one of them requeued, over several runs, each exactly once, and another miner
 * then claims each exactly once.
 */
public class PacedSweepIT {
    private static final int JOBS = 80;

    @Test
    void leasesLostAtOnceAreAllRequeuedOnceOverPacedRuns() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String lost = region + "-lost";
        String next = region + "-next";
        Api.register(minerKey, lost, region, JOBS);
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            jobs.add(Api.submit(client, region));
        }
        Set<String> held = new HashSet<>();
        // Heartbeats keep the early leases while the rest are claimed, so that all run out together.
        try (AutoCloseable beats = Api.keepAlive(minerKey, List.of(lost))) {
            for (int i = 0; i < JOBS; i++) {
                String job = Api.poll(minerKey, lost, 2);
                assertNotNull(job, "claim " + i + " of " + JOBS);
                assertTrue(held.add(job), "claimed twice: " + job);
            }
        }
        assertEquals(new HashSet<>(jobs), held);

        // The miner is silent now: every lease runs out within one heartbeat period of the others.
        long until = System.currentTimeMillis() + 90_000;
        List<String> notYet = new ArrayList<>(jobs);
        while (!notYet.isEmpty() && System.currentTimeMillis() < until) {
            notYet.removeIf(job -> "pending".equals(Api.job(client, job).getString("status")));
            if (!notYet.isEmpty()) {
                Api.sleep(500);
            }
        }
        assertEquals(List.of(), notYet, "every lost lease is requeued");
        for (String job : jobs) {
            JsonObject view = Api.job(client, job);
            assertEquals(2, view.getInt("attempt"), "requeued once: " + job);
            List<String> statuses = Api.get("/v1/jobs/" + job + "/events", client).array("events").stream()
                    .map(v -> v.asJsonObject().getString("status"))
                    .toList();
            assertEquals(List.of("pending", "assigned", "pending"), statuses, "one requeue of " + job);
        }

        // Another miner gets each one exactly once (several pollers at once, as a fleet would).
        Api.register(minerKey, next, region, JOBS);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (AutoCloseable beats = Api.keepAlive(minerKey, List.of(next))) {
            List<Future<String>> claims = new ArrayList<>();
            for (int i = 0; i < JOBS; i++) {
                claims.add(pool.submit(() -> Api.poll(minerKey, next, 10)));
            }
            Set<String> again = new HashSet<>();
            for (Future<String> f : claims) {
                String job = f.get();
                assertNotNull(job, "a requeued job is missing");
                assertTrue(again.add(job), "claimed twice after the requeue: " + job);
            }
            assertEquals(new HashSet<>(jobs), again);
            assertEquals(null, Api.poll(minerKey, next, 0), "nothing more in the queue");
            // Finished, so that no lease of this test runs out after it and keeps the sweeper busy for the next.
            for (String job : jobs) {
                Api.post("/v1/miners/" + job + "/start?miner_id=" + next, minerKey, null)
                        .expect(200);
                Api.post("/v1/miners/" + job + "/result?miner_id=" + next, minerKey, "{\"result\":{\"output\":\"ok\"}}")
                        .expect(200);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
