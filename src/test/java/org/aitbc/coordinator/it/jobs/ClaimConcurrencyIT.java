package org.aitbc.coordinator.it.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Locks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Many miners polling at once: every job is claimed exactly once and none is lost. */
// Beside the waiting classes, not beside another heavy one: 16 miners polling at once.
@ResourceLock(Locks.CPU_HEAVY)
public class ClaimConcurrencyIT {
    private static final int MINERS = 16;
    private static final int JOBS = 500;

    @Test
    void sixteenMinersClaimFiveHundredJobsExactlyOnce() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        for (int m = 0; m < MINERS; m++) {
            Api.register(minerKey, region + "-m" + m, region, JOBS);
        }
        Set<String> submitted = ConcurrentHashMap.newKeySet();
        StringBuilder batch = new StringBuilder();
        for (int b = 0; b < JOBS / 100; b++) {
            batch.setLength(0);
            batch.append('[');
            for (int i = 0; i < 100; i++) {
                batch.append(i == 0 ? "" : ",")
                        .append("{\"model\":\"gpt2\",\"input\":\"")
                        .append(b * 100 + i)
                        .append("\",\"priority\":\"")
                        .append(i % 3 == 0 ? "high" : "normal")
                        .append("\",\"requirements\":{\"region\":\"")
                        .append(region)
                        .append("\"}}");
            }
            batch.append(']');
            Api.post("/v1/jobs/batch", client, batch.toString())
                    .expect(201)
                    .array("jobs")
                    .forEach(v -> submitted.add(v.asJsonObject().getString("job_id")));
        }
        assertEquals(JOBS, submitted.size());

        Map<String, String> claimedBy = new ConcurrentHashMap<>();
        List<String> duplicates = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(MINERS);
        List<Future<Integer>> results = new ArrayList<>();
        for (int m = 0; m < MINERS; m++) {
            String minerId = region + "-m" + m;
            results.add(pool.submit(() -> {
                int mine = 0;
                while (true) {
                    String job = Api.poll(minerKey, minerId, 1);
                    if (job == null) {
                        return mine;
                    }
                    String previous = claimedBy.putIfAbsent(job, minerId);
                    if (previous != null) {
                        synchronized (duplicates) {
                            duplicates.add(job);
                        }
                    }
                    mine++;
                }
            }));
        }
        // The test server's leases last 3 s: keep them alive as real miners would, or the sweeper
        // rightly requeues the jobs for another attempt.
        List<String> minerIds = new ArrayList<>();
        for (int m = 0; m < MINERS; m++) {
            minerIds.add(region + "-m" + m);
        }
        AutoCloseable beats = Api.keepAlive(minerKey, minerIds);
        int total = 0;
        Set<Integer> perMiner = new HashSet<>();
        for (Future<Integer> f : results) {
            int n = f.get(5, TimeUnit.MINUTES);
            total += n;
            perMiner.add(n);
        }
        pool.shutdown();
        assertEquals(submitted, claimedBy.keySet(), "every submitted job was claimed, none lost");
        // A job is handed out again only after its lease ran out and it went back to the queue
        // (possible when a loaded machine delays heartbeats past the test server's 8 s lease):
        // its events then show a requeue between the two assignments. Never two holders at once.
        for (String job : duplicates) {
            List<String> statuses = Api.get("/v1/jobs/" + job + "/events", client).array("events").stream()
                    .map(e -> e.asJsonObject().getString("status"))
                    .toList();
            for (int i = 1; i < statuses.size(); i++) {
                if (statuses.get(i).equals("assigned")) {
                    assertEquals("pending", statuses.get(i - 1), job + " reassigned without a requeue: " + statuses);
                }
            }
        }
        assertEquals(JOBS + duplicates.size(), total, "every claim is accounted for");
        assertTrue(duplicates.size() < JOBS / 10, "requeues stay rare: " + duplicates.size());

        // The database agrees: each job claimed once is assigned to the miner that received it, on
        // attempt 1, with exactly one "assigned" event.
        for (String job : submitted.stream()
                .filter(j -> !duplicates.contains(j))
                .limit(50)
                .toList()) {
            var view = Api.job(client, job);
            assertEquals("assigned", view.getString("status"));
            assertEquals(claimedBy.get(job), view.getString("miner_id"));
            assertEquals(1, view.getInt("attempt"));
            long assignedEvents = Api.get("/v1/jobs/" + job + "/events", client).array("events").stream()
                    .filter(e -> e.asJsonObject().getString("status").equals("assigned"))
                    .count();
            assertEquals(1, assignedEvents);
        }
        if (duplicates.isEmpty()) {
            assertEquals(
                    JOBS,
                    Api.get("/v1/jobs?status=assigned&limit=1", client).json().getInt("total"));
        }
        beats.close();
    }

    /**
     * A poll that does not wait answers "no job" only when no job is left for it: sixteen miners
     * read the same head of the queue, and one whose candidates the others all took reads the head
     * again. A 204 while more jobs are pending than miners poll would be a miner sent away from
     * work that was there.
     */
    @Test
    void aPollWithoutWaitingFindsAJobWhileJobsArePending() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        int jobs = 160;
        for (int m = 0; m < MINERS; m++) {
            Api.register(minerKey, region + "-m" + m, region, jobs);
        }
        for (int b = 0; b < jobs / 80; b++) {
            StringBuilder batch = new StringBuilder("[");
            for (int i = 0; i < 80; i++) {
                batch.append(i == 0 ? "" : ",")
                        .append("{\"model\":\"gpt2\",\"requirements\":{\"region\":\"")
                        .append(region)
                        .append("\"}}");
            }
            Api.post("/v1/jobs/batch", client, batch.append(']').toString()).expect(201);
        }
        List<String> minerIds = new ArrayList<>();
        for (int m = 0; m < MINERS; m++) {
            minerIds.add(region + "-m" + m);
        }
        AutoCloseable beats = Api.keepAlive(minerKey, minerIds);
        AtomicInteger claimed = new AtomicInteger();
        List<String> sentAway = Collections.synchronizedList(new ArrayList<>());
        ExecutorService pool = Executors.newFixedThreadPool(MINERS);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (String minerId : minerIds) {
            done.add(pool.submit(() -> {
                go.await();
                while (true) {
                    int before = claimed.get();
                    if (Api.poll(minerKey, minerId, 0) != null) {
                        claimed.incrementAndGet();
                        continue;
                    }
                    // At most MINERS - 1 other claims can be under way: with more jobs than
                    // twice the pollers left when this poll began, one was free for it.
                    if (jobs - before > 2 * MINERS) {
                        sentAway.add(minerId + " at " + before + " claimed");
                    }
                    return null;
                }
            }));
        }
        go.countDown();
        for (Future<?> f : done) {
            f.get(5, TimeUnit.MINUTES);
        }
        pool.shutdown();
        beats.close();
        assertEquals(List.of(), sentAway, "polls answered 204 while jobs were pending");
        assertEquals(jobs, claimed.get(), "every job was claimed");
    }

    @Test
    void higherPriorityFirstThenOldest() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String low =
                Api.post("/v1/jobs", client, job(region, "low")).expect(201).str("job_id");
        String normal1 =
                Api.post("/v1/jobs", client, job(region, "normal")).expect(201).str("job_id");
        String urgent =
                Api.post("/v1/jobs", client, job(region, "urgent")).expect(201).str("job_id");
        String normal2 =
                Api.post("/v1/jobs", client, job(region, "normal")).expect(201).str("job_id");
        Api.register(minerKey, region + "-m", region, 10);
        List<String> order = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            order.add(Api.poll(minerKey, region + "-m", 0));
        }
        assertEquals(List.of(urgent, normal1, normal2, low), order);
        assertEquals(null, Api.poll(minerKey, region + "-m", 0));
    }

    @Test
    void onlyMatchingMinersGetAJob() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String big = Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"requirements\":{\"gpu_type\":\"a100\","
                                + "\"gpu_count\":4,\"min_vram_gb\":40,\"region\":\"" + region + "\"}}")
                .expect(201)
                .str("job_id");
        // One A100 with 80 GB: not enough GPUs.
        Api.register(minerKey, region + "-small", region, 5);
        assertEquals(null, Api.poll(minerKey, region + "-small", 0));
        // Four V100s: wrong type.
        Api.post(
                        "/v1/miners/register?miner_id=" + region + "-v100",
                        minerKey,
                        "{\"capabilities\":{\"gpus\":["
                                + "{\"name\":\"Tesla V100\",\"memory_mb\":32768},{\"name\":\"Tesla V100\",\"memory_mb\":32768},"
                                + "{\"name\":\"Tesla V100\",\"memory_mb\":32768},{\"name\":\"Tesla V100\",\"memory_mb\":32768}]},"
                                + "\"region\":\"" + region + "\"}")
                .expect(200);
        assertEquals(null, Api.poll(minerKey, region + "-v100", 0));
        // Four A100s, but models listed without gpt2.
        String fourA100 = "{\"name\":\"A100\",\"memory_mb\":81920}";
        Api.post(
                        "/v1/miners/register?miner_id=" + region + "-nomodel",
                        minerKey,
                        "{\"capabilities\":{\"gpus\":["
                                + fourA100 + "," + fourA100 + "," + fourA100 + "," + fourA100
                                + "],\"models\":[\"llama\"]},"
                                + "\"region\":\"" + region + "\"}")
                .expect(200);
        assertEquals(null, Api.poll(minerKey, region + "-nomodel", 0));
        // Four A100s in another region.
        Api.post(
                        "/v1/miners/register?miner_id=" + region + "-elsewhere",
                        minerKey,
                        "{\"capabilities\":{\"gpus\":[" + fourA100 + "," + fourA100 + "," + fourA100 + "," + fourA100
                                + "]},\"region\":\"" + region + "-x\"}")
                .expect(200);
        assertEquals(null, Api.poll(minerKey, region + "-elsewhere", 0));
        // The right miner.
        Api.post(
                        "/v1/miners/register?miner_id=" + region + "-fit",
                        minerKey,
                        "{\"capabilities\":{\"gpus\":["
                                + fourA100 + "," + fourA100 + "," + fourA100 + "," + fourA100
                                + "],\"models\":[\"gpt2\"]},"
                                + "\"region\":\"" + region + "\"}")
                .expect(200);
        assertEquals(big, Api.poll(minerKey, region + "-fit", 0));
    }

    private static String job(String region, String priority) {
        return "{\"model\":\"gpt2\",\"priority\":\"" + priority + "\",\"requirements\":{\"region\":\"" + region
                + "\"}}";
    }
}
