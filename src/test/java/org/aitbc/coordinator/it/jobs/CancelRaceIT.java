package org.aitbc.coordinator.it.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Locks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * A client's cancel racing the miner's completion, for many jobs at once from many threads:
 * every job ends in one consistent state, and both answers and the events agree with it.
 */
// Beside the waiting classes, not beside another heavy one: 32 threads racing claims and cancels.
@ResourceLock(Locks.CPU_HEAVY)
public class CancelRaceIT {
    private static final int JOBS = 60;

    @Test
    void cancelRacingCompletionEndsInOneConsistentState() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, JOBS);
        AutoCloseable beats = Api.keepAlive(minerKey, List.of(miner));
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            jobs.add(Api.submit(client, region));
        }
        for (int i = 0; i < JOBS; i++) {
            String claimed = Api.poll(minerKey, miner, 2);
            // Half of the jobs are running when the race starts, half only assigned.
            if (i % 2 == 0) {
                Api.post("/v1/miners/" + claimed + "/start?miner_id=" + miner, minerKey, null)
                        .expect(200);
            }
        }
        ExecutorService pool = Executors.newFixedThreadPool(16);
        ExecutorService cancels = Executors.newFixedThreadPool(16);
        List<Future<Api.Res[]>> races = new ArrayList<>();
        for (String job : jobs) {
            races.add(pool.submit(() -> {
                CountDownLatch go = new CountDownLatch(1);
                Future<Api.Res> cancel = cancels.submit(() -> {
                    go.await();
                    return Api.delete("/v1/jobs/" + job, client);
                });
                go.countDown();
                Api.Res result = Api.post(
                        "/v1/miners/" + job + "/result?miner_id=" + miner,
                        minerKey,
                        "{\"result\":{\"output\":\"done\"}}");
                return new Api.Res[] {cancel.get(60, TimeUnit.SECONDS), result};
            }));
        }
        int completed = 0;
        int canceled = 0;
        for (int i = 0; i < JOBS; i++) {
            Api.Res[] r = races.get(i).get(2, TimeUnit.MINUTES);
            Api.Res cancel = r[0];
            Api.Res result = r[1];
            String job = jobs.get(i);
            JsonObject view = Api.job(client, job);
            String status = view.getString("status");
            if (cancel.status() == 409) {
                // Completion won: the cancel saw a final job.
                cancel.expectError(409, "INVALID_STATE");
                assertTrue(cancel.json()
                        .getJsonObject("error")
                        .getString("message")
                        .contains("completed"));
                assertEquals("completed", status);
                assertEquals("completed", result.expect(200).str("job_status"));
                completed++;
            } else {
                cancel.expect(200);
                String outcome = cancel.str("cancellation");
                if ("canceled".equals(outcome)) {
                    // An assigned job canceled at once: the miner's result came too late.
                    result.expectError(409, "LEASE_LOST");
                } else if (result.status() == 409) {
                    // Canceling, and the miner's answer arrived after its lease had run out (a
                    // loaded machine can delay heartbeats): the sweeper ends the job canceled.
                    assertEquals("canceling", outcome);
                    result.expectError(409, "LEASE_LOST");
                    view = Api.awaitStatus(client, job, "canceled", java.time.Duration.ofSeconds(30));
                    status = view.getString("status");
                } else {
                    assertEquals("canceling", outcome);
                    // A running job: the miner's result acknowledged the cancel.
                    assertEquals("canceled", result.expect(200).str("job_status"));
                }
                assertEquals("canceled", status, "a cancel that was accepted ends canceled: " + view);
                canceled++;
            }
            JsonArray events = Api.get("/v1/jobs/" + job + "/events", client).array("events");
            long finals = events.stream()
                    .map(v -> v.asJsonObject().getString("status"))
                    .filter(s -> s.equals("completed") || s.equals("canceled") || s.equals("failed"))
                    .count();
            assertEquals(1, finals, "exactly one final event for " + job);
            assertEquals(status, events.get(events.size() - 1).asJsonObject().getString("status"));
        }
        pool.shutdown();
        cancels.shutdown();
        beats.close();
        assertEquals(JOBS, completed + canceled);
    }
}
