package org.aitbc.coordinator.it.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.json.JsonObject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Locks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The day's counters of ended jobs are spread over several rows (DAILY_STATS_SLOT) so that
 * concurrent endings do not queue on one: whatever rows the endings landed in, statistics and
 * list totals add them up to exactly the jobs that ended, and the money they cost.
 */
// Beside the waiting classes, not beside another heavy one: 8 miners ending jobs at once.
@ResourceLock(Locks.CPU_HEAVY)
public class SpreadCountersIT {
    private static final int MINERS = 8;
    private static final int JOBS = 48;

    @Test
    void concurrentEndingsOfOneClientsJobsAddUpToTheTotals() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        List<String> minerIds = new ArrayList<>();
        for (int m = 0; m < MINERS; m++) {
            minerIds.add(region + "-m" + m);
            Api.register(minerKey, minerIds.get(m), region, 1);
        }
        List<String> jobs = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            jobs.add(Api.submit(client, region));
        }
        Set<String> completed = ConcurrentHashMap.newKeySet();
        Set<String> failed = ConcurrentHashMap.newKeySet();
        AtomicInteger ended = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(MINERS);
        List<Future<?>> running = new ArrayList<>();
        for (String minerId : minerIds) {
            running.add(pool.submit(() -> {
                String job;
                while ((job = Api.poll(minerKey, minerId, 1)) != null) {
                    Api.post("/v1/miners/" + job + "/start?miner_id=" + minerId, minerKey, null)
                            .expect(200);
                    // Every sixth job fails, so that two statuses' counters are spread.
                    if (ended.incrementAndGet() % 6 == 0) {
                        Api.post(
                                        "/v1/miners/" + job + "/fail?miner_id=" + minerId,
                                        minerKey,
                                        "{\"error_code\":\"OOM\"}")
                                .expect(200);
                        failed.add(job);
                    } else {
                        Api.post(
                                        "/v1/miners/" + job + "/result?miner_id=" + minerId,
                                        minerKey,
                                        "{\"result\":{\"output\":\"ok\"}}")
                                .expect(200);
                        completed.add(job);
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : running) {
            f.get(120, TimeUnit.SECONDS);
        }
        pool.shutdown();
        assertEquals(JOBS, completed.size() + failed.size(), "every job ended once");

        BigDecimal spent = BigDecimal.ZERO;
        for (String job : jobs) {
            JsonObject view = Api.job(client, job);
            if (view.containsKey("cost") && !view.isNull("cost")) {
                spent = spent.add(view.getJsonNumber("cost").bigDecimalValue());
            }
        }
        JsonObject stats = Api.get("/v1/jobs/stats", client).expect(200).json();
        JsonObject byStatus = stats.getJsonObject("by_status");
        assertEquals(completed.size(), byStatus.getInt("completed"));
        assertEquals(failed.size(), byStatus.getInt("failed"));
        assertEquals(JOBS, stats.getInt("total_jobs"));
        assertEquals(0, spent.compareTo(stats.getJsonNumber("total_spent").bigDecimalValue()), "spent " + spent);
        assertEquals(
                completed.size(),
                Api.get("/v1/jobs?status=completed&limit=1", client)
                        .expect(200)
                        .json()
                        .getInt("total"));
        assertEquals(
                failed.size(),
                Api.get("/v1/jobs?status=failed&limit=1", client)
                        .expect(200)
                        .json()
                        .getInt("total"));
        assertEquals(
                JOBS, Api.get("/v1/jobs?limit=1", client).expect(200).json().getInt("total"));
    }
}
