package org.aitbc.bench;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * Live logs: append throughput from 16 miners at once (each holding one job, every append naming
 * its offset), in MB/s with 64 KiB appends and in appends/s with 200-byte ones; and the follow
 * latency with 100 followers of one job ({@code follow=true}): from an append's answer to its
 * bytes at each follower.
 */
final class Logs {
    private static final double MB = 1_000_000.0;
    private static final int MINERS = 16;
    private final Ctx ctx;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(20))
            .build();

    Logs(Ctx ctx) {
        this.ctx = ctx;
    }

    void run() throws Exception {
        boolean smoke = ctx.scale.smoke();
        Duration measure = smoke ? Duration.ofSeconds(2) : Duration.ofSeconds(10);
        Report.Figure rate =
                ctx.report.figure("log_append_rate", "Live logs", MINERS + " miners appending 64 KiB each", "MB/s");
        Report.Figure appends = ctx.report.figure(
                "log_appends_per_second", "Live logs", MINERS + " miners appending 200 bytes each", "appends/s");
        int followers = smoke ? 10 : 100;
        Report.Figure p99 = ctx.report.figure(
                "log_follow_p99",
                "Live logs",
                followers + " followers: append returned → bytes at the follower, p99",
                "ms");
        Api.Tag tag = ctx.tag("logs");
        String client;
        String minerKey;
        try (Api api = ctx.api()) {
            client = api.account(ctx.adminKey, "client", "enterprise", "bench-logs")
                    .key();
            minerKey =
                    api.account(ctx.adminKey, "miner", null, "bench-logs-miner").key();
        }
        for (int run = 1; run <= ctx.scale.runs(); run++) {
            double[] big = throughput(client, minerKey, tag, run + "b", 64 * 1024, measure);
            double[] small = throughput(client, minerKey, tag, run + "s", 200, measure);
            rate.add(big[0]);
            appends.add(small[1]);
            double latency = follow(client, minerKey, tag, run, followers, smoke ? 50 : 300);
            p99.add(latency);
            Ctx.log(
                    "logs run %d: %.0f MB/s (%.0f appends/s of 64 KiB), %.0f appends/s of 200 B; follow p99 %.1f ms",
                    run, big[0], big[1], small[1], latency);
        }
        rate.note = MINERS + " miner threads (java.net.http, one connection each), each holding one running job, "
                + "POST /v1/miners/{job}/logs?stream=stdout with text/plain bodies and X-Log-Offset for "
                + measure.toSeconds() + " s; MB/s = bytes acknowledged / time. Each append locks its job's row and "
                + "writes to the job's segment file (no fsync, as uploads). The follow figure: one job, "
                + followers + " clients on GET /v1/jobs/{id}/logs?follow=true; the miner appends one stamped "
                + "line every 20 ms; latency = arrival at a follower − the append's answer (0 when the bytes came "
                + "first). A follower whose answer ends before the job does (the server ends an idle follow after "
                + "30 s) follows again from the offset it reached, as `aitbc client logs --follow` does; a line "
                + "missing at a follower or a refused follow counts as a failed request.";
    }

    private String[] jobs(String client, String minerKey, Api.Tag tag, String label, int n) {
        String[] jobs = new String[n];
        try (Api api = ctx.api()) {
            // Registered and submitted first, claimed last: the leases start together (short on a test server).
            for (int i = 0; i < n; i++) {
                api.register(minerKey, "bench-" + ctx.runTag + "-log-" + label + "-" + i, tag, 1);
                api.submit(client, tag, "logs");
            }
            for (int i = 0; i < n; i++) {
                String minerId = "bench-" + ctx.runTag + "-log-" + label + "-" + i;
                String got = api.poll(minerKey, minerId, 5);
                if (got == null) {
                    throw new IllegalStateException("the log miner " + minerId + " claimed nothing");
                }
                api.start(minerKey, minerId, got);
                jobs[i] = got + " " + minerId;
            }
        }
        return jobs;
    }

    private HttpResponse<String> append(String minerKey, String minerId, String job, long offset, byte[] data)
            throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(ctx.base + "/v1/miners/" + job + "/logs?stream=stdout"))
                .header("X-Api-Key", minerKey)
                .header("X-Miner-ID", minerId)
                .header("X-Log-Offset", Long.toString(offset))
                .header("Content-Type", "text/plain")
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofByteArray(data))
                .build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("append answered " + r.statusCode() + ": " + Api.clip(r.body()));
        }
        return r;
    }

    private void heartbeat(String minerKey, String minerId) {
        try (Api api = ctx.api()) {
            api.heartbeat(minerKey, minerId);
        }
    }

    /** [MB/s, appends/s] of {@link #MINERS} miners appending {@code size} bytes at a time. */
    private double[] throughput(String client, String minerKey, Api.Tag tag, String label, int size, Duration d)
            throws Exception {
        String[] jobs = jobs(client, minerKey, tag, label, MINERS);
        byte[] chunk = new byte[size];
        for (int i = 0; i < size; i++) {
            chunk[i] = (byte) (i % 64 == 63 ? '\n' : 'a' + i % 26);
        }
        AtomicLong bytes = new AtomicLong();
        AtomicLong count = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(MINERS);
        long end = System.nanoTime() + d.toNanos();
        long t0 = System.nanoTime();
        List<Future<?>> done = new ArrayList<>();
        for (String j : jobs) {
            String[] jm = j.split(" ");
            done.add(pool.submit(() -> {
                long offset = 0;
                long beat = System.nanoTime() - 3_000_000_000L;
                while (System.nanoTime() < end) {
                    if (System.nanoTime() - beat > 2_000_000_000L) {
                        // The lease holds by heartbeats, as a real miner's; an append does not renew it.
                        heartbeat(minerKey, jm[1]);
                        beat = System.nanoTime();
                    }
                    append(minerKey, jm[1], jm[0], offset, chunk);
                    offset += chunk.length;
                    bytes.addAndGet(chunk.length);
                    count.incrementAndGet();
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        pool.shutdown();
        try (Api api = ctx.api()) {
            for (String j : jobs) {
                String[] jm = j.split(" ");
                // Not part of the figure: a lease that ran out on a short-lease test server is fine here.
                api.call(
                        "POST",
                        "/v1/miners/" + jm[0] + "/result",
                        minerKey,
                        jm[1],
                        "{\"result\":{\"output\":\"done\"}}");
            }
        }
        return new double[] {bytes.get() / MB / seconds, count.get() / seconds};
    }

    /** p99 in ms from an append's answer to its line at each of {@code n} followers. */
    private double follow(String client, String minerKey, Api.Tag tag, int run, int n, int lines) throws Exception {
        String[] jm = jobs(client, minerKey, tag, run + "f", 1)[0].split(" ");
        String job = jm[0];
        ConcurrentHashMap<Integer, Long> returned = new ConcurrentHashMap<>();
        Histogram h = new Histogram(3_600_000_000L, 3);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        CountDownLatch connected = new CountDownLatch(n);
        List<Future<List<long[]>>> seen = new ArrayList<>();
        java.util.concurrent.atomic.AtomicBoolean completed = new java.util.concurrent.atomic.AtomicBoolean();
        AtomicLong refused = new AtomicLong();
        for (int i = 0; i < n; i++) {
            seen.add(pool.submit(() -> {
                List<long[]> arrivals = new ArrayList<>();
                StringBuilder line = new StringBuilder();
                long at = 0;
                boolean first = true;
                // As a real follower (aitbc client logs --follow): an answer that ends before the job
                // did (the server's idle limit, a restart) is followed again from the offset reached.
                while (true) {
                    boolean ended = completed.get();
                    HttpRequest req = HttpRequest.newBuilder(
                                    URI.create(ctx.base + "/v1/jobs/" + job + "/logs?follow=true&offset=" + at))
                            .header("X-Api-Key", client)
                            .build();
                    HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
                    if (first) {
                        connected.countDown();
                        first = false;
                    }
                    if (r.statusCode() != 200) {
                        // Counted, never read as log lines (an error's JSON is not a line of the log).
                        refused.incrementAndGet();
                        r.body().close();
                        if (ended) {
                            break;
                        }
                        Thread.sleep(1000);
                        continue;
                    }
                    try (InputStream in = r.body()) {
                        byte[] buf = new byte[8192];
                        int k;
                        while ((k = in.read(buf)) > 0) {
                            long now = System.nanoTime();
                            at += k;
                            for (int b = 0; b < k; b++) {
                                char c = (char) buf[b];
                                if (c == '\n') {
                                    arrivals.add(new long[] {
                                        Long.parseLong(line.toString().split(" ")[0]), now
                                    });
                                    line.setLength(0);
                                } else {
                                    line.append(c);
                                }
                            }
                        }
                    }
                    if (ended) {
                        break;
                    }
                }
                return arrivals;
            }));
        }
        for (int waited = 0; waited < 60 && !connected.await(2, TimeUnit.SECONDS); waited += 2) {
            heartbeat(minerKey, jm[1]); // the lease holds while the followers connect
        }
        heartbeat(minerKey, jm[1]);
        Thread.sleep(500);
        long offset = 0;
        String pad = "x".repeat(80);
        for (int i = 0; i < lines; i++) {
            byte[] data = (i + " " + pad + "\n").getBytes(StandardCharsets.US_ASCII);
            append(minerKey, jm[1], job, offset, data);
            returned.put(i, System.nanoTime());
            if (i % 25 == 24) {
                heartbeat(minerKey, jm[1]);
            }
            offset += data.length;
            Thread.sleep(20);
        }
        try (Api api = ctx.api()) {
            api.complete(minerKey, jm[1], job);
        }
        completed.set(true);
        int missing = 0;
        for (Future<List<long[]>> f : seen) {
            List<long[]> arrivals = f.get(120, TimeUnit.SECONDS);
            missing += lines - arrivals.size();
            for (long[] a : arrivals) {
                long latency = Math.max(0, a[1] - returned.get((int) a[0]));
                h.recordValue(TimeUnit.NANOSECONDS.toMicros(latency));
            }
        }
        pool.shutdown();
        if (missing != 0 || refused.get() != 0) {
            Ctx.log("follow: %d lines missing at the followers, %d follow requests refused", missing, refused.get());
            ctx.report.get("log_follow_p99").errors += missing + refused.get();
        }
        return h.getValueAtPercentile(99) / 1000.0;
    }
}
