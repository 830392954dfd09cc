package org.aitbc.coordinator.it.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.ClusterScript;

/**
 * Clients and miners working continuously through nginx while a test breaks the cluster, as a
 * well-behaved client does: a 503 or 429 is sent again after its {@code Retry-After}; a broken
 * connection or nginx's 502/504 (the server died with the request) is sent again at once, a
 * submission with the same {@code Idempotency-Key}, so that "answered 201" means one job. Every
 * answer is counted by status; every operation (a request and its retries) records how long it
 * took, so that a test can name the longest wait per fault. Runs on its own threads from {@link
 * #start} until {@link #stop}.
 */
final class Traffic {
    /** An operation that got no usable answer for this long is given up and counted as lost. */
    private static final long GIVE_UP_MS = 90_000;

    private final String lb;
    private final String client;
    private final String minerKey;
    final String region;
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean submitting = new AtomicBoolean(true);
    private final ExecutorService threads = Executors.newCachedThreadPool();
    private final List<java.util.concurrent.Future<?>> running = new ArrayList<>();

    /** Answers by status; -1 counts connections that broke or timed out. */
    final Map<Integer, AtomicInteger> byStatus = new ConcurrentHashMap<>();
    /** Idempotency key to the job id of its 201. */
    final Map<String, String> created = new ConcurrentHashMap<>();
    /** Idempotency keys answered 200: a resend whose first answer was lost returned the first job. */
    final Map<String, String> replayed = new ConcurrentHashMap<>();
    /** Operations given up without a usable answer (must stay empty). */
    final ConcurrentLinkedQueue<String> lost = new ConcurrentLinkedQueue<>();
    /** (start ms, duration ms, retries) of every operation. */
    final ConcurrentLinkedQueue<long[]> operations = new ConcurrentLinkedQueue<>();
    /** (job id, attempt, miner id) of every claim a miner was given. */
    final ConcurrentLinkedQueue<String[]> claims = new ConcurrentLinkedQueue<>();

    /** Answers that were not the API's JSON (e.g. Liberty's own HTML 404 while the application starts). */
    final ConcurrentLinkedQueue<String> notJson = new ConcurrentLinkedQueue<>();

    final AtomicInteger completed = new AtomicInteger();
    final AtomicLong requests = new AtomicLong();

    Traffic(String lb, String client, String minerKey, String region) {
        this.lb = lb;
        this.client = client;
        this.minerKey = minerKey;
        this.region = region;
    }

    /** Starts {@code clients} submitting threads and {@code miners} miners (each with concurrency 1). */
    Traffic start(int clients, int miners, long workMs) {
        for (int i = 0; i < miners; i++) {
            String id = region + "-m" + i;
            running.add(threads.submit(() -> miner(id, workMs)));
        }
        for (int i = 0; i < clients; i++) {
            int n = i;
            running.add(threads.submit(() -> submitter(n)));
        }
        return this;
    }

    private Void submitter(int n) {
        int i = 0;
        while (submitting.get()) {
            String key = UUID.randomUUID().toString();
            String body = "{\"model\":\"gpt2\",\"input\":\"chaos " + n + "-" + i + "\",\"requirements\":{\"region\":\""
                    + region + "\"},\"priority\":\"" + (i % 3 == 0 ? "high" : "normal") + "\"}";
            Api.Res r = send("POST", "/v1/jobs", client, body, Map.of("Idempotency-Key", key));
            if (r != null && r.status() == 201) {
                created.put(key, r.str("job_id"));
            } else if (r != null && r.status() == 200) {
                replayed.put(key, r.str("job_id"));
            }
            if (r != null && (r.status() == 201 || r.status() == 200) && i % 9 == 4) {
                send("DELETE", "/v1/jobs/" + r.str("job_id"), client, null, Map.of());
            }
            if (i % 5 == 2) {
                send("GET", "/v1/jobs?limit=5", client, null, Map.of());
            }
            i++;
            Api.sleep(150);
        }
        return null;
    }

    private Void miner(String minerId, long workMs) {
        String q = "?miner_id=" + minerId;
        send(
                "POST",
                "/v1/miners/register" + q,
                minerKey,
                "{\"capabilities\":{\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}],\"models\":[]},"
                        + "\"concurrency\":1,\"region\":\"" + region + "\"}",
                Map.of());
        while (!stopping.get()) {
            Api.Res poll = send("POST", "/v1/miners/poll" + q, minerKey, "{\"max_wait_seconds\":2}", Map.of());
            if (poll == null || poll.status() != 200) {
                continue;
            }
            String job = poll.str("job_id");
            int attempt = poll.json().getInt("attempt");
            claims.add(new String[] {job, String.valueOf(attempt), minerId});
            String a = q + "&attempt=" + attempt;
            Api.Res r = send("POST", "/v1/miners/" + job + "/start" + a, minerKey, null, Map.of());
            if (r == null || r.status() != 200) {
                continue; // canceled before it started, or the lease was lost
            }
            Api.sleep(workMs);
            r = send("POST", "/v1/miners/" + job + "/progress" + a, minerKey, "{\"progress\":50}", Map.of());
            if (r == null || r.status() != 200) {
                continue;
            }
            Api.sleep(workMs);
            if (r.json().getBoolean("cancel_requested", false)) {
                send(
                        "POST",
                        "/v1/miners/" + job + "/fail" + a,
                        minerKey,
                        "{\"error_code\":\"CANCELED\",\"error_message\":\"stopped on request\"}",
                        Map.of());
                continue;
            }
            r = send(
                    "POST",
                    "/v1/miners/" + job + "/result" + a,
                    minerKey,
                    "{\"result\":{\"output\":\"ok\"}}",
                    Map.of());
            if (r != null && r.status() == 200) {
                completed.incrementAndGet();
            }
        }
        return null;
    }

    /**
     * One operation: sent until it gets an answer that is not 502, 503, 504 or 429, following
     * {@code Retry-After}; null when given up (recorded in {@link #lost}).
     */
    Api.Res send(String method, String path, String key, String body, Map<String, String> headers) {
        long start = System.currentTimeMillis();
        int retries = 0;
        while (true) {
            requests.incrementAndGet();
            Api.Res r = ClusterScript.tryCall(lb, method, path, key, body, headers, Duration.ofSeconds(40));
            int status = r == null ? -1 : r.status();
            byStatus.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
            if (r != null && !r.body().isEmpty() && !r.body().startsWith("{")) {
                notJson.add(method + " " + path + " -> " + status + " "
                        + r.body().substring(0, Math.min(120, r.body().length())));
                // Not the coordinator's answer: resent like a refused connection.
                status = -1;
                r = null;
            }
            long waitMs;
            if (status == 503 || status == 429) {
                waitMs = 1000L
                        * Long.parseLong(r.headers()
                                .firstValue("Retry-After")
                                .orElse("1")
                                .trim());
            } else if (status == -1 || status == 502 || status == 504) {
                waitMs = 250;
            } else {
                operations.add(new long[] {start, System.currentTimeMillis() - start, retries});
                return r;
            }
            if (System.currentTimeMillis() - start > GIVE_UP_MS) {
                lost.add(method + " " + path + " (last: " + status + ")");
                operations.add(new long[] {start, System.currentTimeMillis() - start, retries});
                return null;
            }
            retries++;
            Api.sleep(waitMs);
        }
    }

    /** Stops submitting; miners go on working off the queue. */
    void stopSubmitting() {
        submitting.set(false);
    }

    /** Stops everything, waiting for each thread's operation in progress to end. */
    void stop() throws Exception {
        submitting.set(false);
        stopping.set(true);
        threads.shutdown();
        if (!threads.awaitTermination(120, TimeUnit.SECONDS)) {
            throw new AssertionError("the traffic threads did not stop");
        }
        for (var f : running) {
            f.get(); // a thread's own failure fails the test
        }
    }

    /** Answers by status, in order, e.g. {@code {-1=3, 200=5120, 201=800, 503=12}}. */
    Map<Integer, Integer> statusCounts() {
        Map<Integer, Integer> m = new TreeMap<>();
        byStatus.forEach((k, v) -> m.put(k, v.get()));
        return m;
    }

    /** The longest operation that started within [from, to) (ms since the epoch): its duration in ms. */
    long longestOperation(long from, long to) {
        long max = 0;
        for (long[] op : operations) {
            if (op[0] >= from && op[0] < to) {
                max = Math.max(max, op[1]);
            }
        }
        return max;
    }
}
