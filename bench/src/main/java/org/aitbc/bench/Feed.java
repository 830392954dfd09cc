package org.aitbc.bench;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The WebSocket feed under many subscribers: from the moment a miner's progress call returns to
 * the moment its event arrives at the client following that job. Baseline: ten subscribers with
 * the same progress calls at the same rate on their jobs.
 */
final class Feed {
    private static final int BASELINE_SUBSCRIBERS = 10;
    private final Ctx ctx;
    private final Ctx.Scale s;
    private final HttpClient http;
    private final ExecutorService callbacks = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "ws-callbacks");
        t.setDaemon(true);
        return t;
    });
    /** When each progress call returned, by its sequence number (the event's message is "b" + seq). */
    private final Map<Long, Long> returned = new ConcurrentHashMap<>();
    /** When its event first arrived at the connection that should receive it. */
    private final Map<Long, Long> arrived = new ConcurrentHashMap<>();

    private final AtomicLong wrong = new AtomicLong();
    private final AtomicLong seqBase = new AtomicLong();

    Feed(Ctx ctx) {
        this.ctx = ctx;
        this.s = ctx.scale;
        this.http = HttpClient.newBuilder()
                .executor(callbacks)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
    }

    /** One open connection, following one job (or, with job null, everything its key may see). */
    private final class Sub extends FeedSubscriber {
        Sub(String job) {
            super(job);
        }

        @Override
        void message(String text, long now) {
            String message = RawHttp.Res.field(text, "message");
            if (message != null && message.startsWith("b") && text.contains("\"event_id\"")) {
                if (job != null && !job.equals(RawHttp.Res.field(text, "job_id"))) {
                    wrong.incrementAndGet();
                }
                try {
                    arrived.putIfAbsent(Long.parseLong(message.substring(1)), now);
                } catch (NumberFormatException e) {
                    // another message
                }
            } else {
                String type = RawHttp.Res.field(text, "type");
                if (job == null ? "authenticated".equals(type) : "subscribed".equals(type)) {
                    ready.complete(null);
                } else if ("error".equals(type)) {
                    ready.completeExceptionally(new IllegalStateException("feed error: " + text));
                }
            }
        }
    }

    private Sub connect(String key, String job) {
        return FeedSubscriber.connect(http, ctx.base, key, new Sub(job));
    }

    void run() throws Exception {
        int n = s.wsSubscribers();
        Report.Figure p50 = ctx.report
                .figure(
                        "ws_p50",
                        "Latency",
                        "WebSocket, " + n + " subscribers: progress call " + "returned → event arrived, p50",
                        "ms")
                .baseline(BASELINE_SUBSCRIBERS + " subscribers, same calls and rate");
        Report.Figure p99 = ctx.report
                .figure(
                        "ws_p99",
                        "Latency",
                        "WebSocket, " + n + " subscribers: progress call " + "returned → event arrived, p99",
                        "ms")
                .baseline(BASELINE_SUBSCRIBERS + " subscribers, same calls and rate")
                .target("< 100 ms", Report.Check.AT_MOST, 100);
        Api.Tag tag = ctx.tag("ws");
        String minerId = "bench-" + ctx.runTag + "-ws";
        List<String> keys = new ArrayList<>();
        List<String> jobs = new ArrayList<>();
        List<String> owners = new ArrayList<>();
        String minerKey;
        try (Api api = ctx.api()) {
            int accounts = Math.max(1, n / s.wsPerAccount());
            for (int a = 0; a < accounts; a++) {
                keys.add(api.account(ctx.adminKey, "client", "pro", "bench-ws-" + a)
                        .key());
            }
            for (int i = 0; i < n; i++) {
                String key = keys.get(i % keys.size());
                jobs.add(api.submit(key, tag, "watch me"));
                owners.add(key);
            }
            minerKey =
                    api.account(ctx.adminKey, "miner", null, "bench-ws-miner").key();
            api.register(minerKey, minerId, tag, n);
            int claimed = 0;
            while (claimed < n) {
                if (api.poll(minerKey, minerId, 2) == null) {
                    throw new IllegalStateException("only " + claimed + " of " + n + " feed jobs could be claimed");
                }
                claimed++;
            }
            for (String job : jobs) {
                api.expect(200, "POST", "/v1/miners/" + job + "/start", minerKey, minerId, null);
            }
        }
        Ctx.log("feed: %d jobs claimed and started by %s", n, minerId);
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
        String mk = minerKey;
        beats.scheduleWithFixedDelay(
                () -> {
                    try (Api api = ctx.api()) {
                        api.heartbeat(mk, minerId);
                    } catch (RuntimeException e) {
                        Ctx.log("feed heartbeat failed: %s", e.getMessage());
                    }
                },
                5,
                10,
                TimeUnit.SECONDS);
        try {
            // Baseline: a few subscribers (each following its own job), the same progress calls at the same
            // rate spread over their jobs. (One connection following everything is no baseline: the server
            // sends one message at a time per connection, and under this load one connection could not keep
            // up with every event at this rate: its queue overflowed and it was closed with a resync.)
            int few = Math.min(BASELINE_SUBSCRIBERS, n);
            List<String> baseJobs = jobs.subList(0, few);
            List<Sub> baseSubs = new ArrayList<>();
            for (int j = 0; j < few; j++) {
                baseSubs.add(connect(owners.get(j), jobs.get(j)));
            }
            for (Sub sub : baseSubs) {
                sub.ready.get(60, TimeUnit.SECONDS);
            }
            List<Histogram> base = new ArrayList<>();
            for (int run = 1; run <= s.runs(); run++) {
                base.add(measure(baseJobs, mk, minerId, "baseline " + run));
            }
            baseSubs.forEach(Feed::close);
            // n connections, each following its own job.
            List<Sub> subs = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int i = 0; i < n; i += 50) {
                List<Sub> wave = new ArrayList<>();
                for (int j = i; j < Math.min(n, i + 50); j++) {
                    wave.add(connect(owners.get(j), jobs.get(j)));
                }
                for (Sub sub : wave) {
                    sub.ready.get(60, TimeUnit.SECONDS);
                }
                subs.addAll(wave);
            }
            Ctx.log(
                    "feed: %d subscribers connected and subscribed in %.1f s",
                    subs.size(), (System.nanoTime() - t0) / 1e9);
            for (int run = 1; run <= s.runs(); run++) {
                Histogram h = measure(jobs, mk, minerId, "subscribers " + run);
                Histogram b = base.get(run - 1);
                p50.add(h.getValueAtPercentile(50) / 1000.0);
                p99.add(h.getValueAtPercentile(99) / 1000.0);
                p50.addBaseline(b.getValueAtPercentile(50) / 1000.0);
                p99.addBaseline(b.getValueAtPercentile(99) / 1000.0);
            }
            subs.forEach(Feed::close);
            // The same jobs under writers that do not wait (issue 15, item 4).
            new FeedBurst(ctx, jobs, owners, mk, minerId).run();
            // Leave nothing running behind (on a shared server, nothing for its sweeper to chase).
            try (Api api = ctx.api()) {
                for (String job : jobs) {
                    api.expect(
                            200,
                            "POST",
                            "/v1/miners/" + job + "/fail",
                            mk,
                            minerId,
                            "{\"error_code\":\"BENCH_DONE\",\"error_message\":\"benchmark finished\"}");
                }
            }
            p99.errors += wrong.get();
            p99.note = n + " WebSocket connections (java.net.http) of " + keys.size() + " client accounts, each "
                    + "subscribed to one of " + n
                    + " running jobs; one miner reports progress on those jobs in turn at "
                    + (int) s.wsRate() + " calls/s (open loop, " + s.wsMeasure().toSeconds()
                    + " s counted per run), each "
                    + "call's message carrying a sequence number; latency = arrival of the event at its subscriber − "
                    + "return of the progress call (an event that arrives before its call has returned counts 0). "
                    + "Every event must reach its subscriber, and only its subscriber: " + wrong.get() + " went "
                    + "astray. Baseline: " + BASELINE_SUBSCRIBERS
                    + " subscribers (one job each) and the same calls at the same rate "
                    + "on their jobs.";
        } finally {
            beats.shutdownNow();
        }
    }

    private static void close(Sub sub) {
        try {
            sub.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            sub.ws.abort();
        }
    }

    /** One measured run of progress calls; answers the return→arrival latencies (µs). */
    private Histogram measure(List<String> jobs, String minerKey, String minerId, String label)
            throws InterruptedException {
        long first = seqBase.getAndAdd(10_000_000L);
        Duration warm = Duration.ofSeconds(1);
        long warmCount = (long) (warm.toNanos() / (1e9 / s.wsRate()));
        String[] h = Api.headers(minerKey, minerId, true);
        Load.Result calls = Load.open(ctx.base, 16, s.wsRate(), warm, s.wsMeasure(), (http, i) -> {
            long seq = first + i;
            String job = jobs.get((int) (i % jobs.size()));
            RawHttp.Res r = http.send(
                    "POST",
                    "/v1/miners/" + job + "/progress",
                    h,
                    RawHttp.utf8("{\"progress\":" + (1 + i % 98) + ",\"message\":\"b" + seq + "\"}"));
            if (r.status() != 200) {
                throw new IllegalStateException("progress answered " + r.status() + ": " + Api.clip(r.text()));
            }
            if (i >= warmCount) {
                returned.put(seq, System.nanoTime());
            }
            return true;
        });
        // Stragglers: wait until every counted event arrived, or 5 s.
        long until = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < until && !returned.keySet().stream().allMatch(arrived::containsKey)) {
            Thread.sleep(50);
        }
        Histogram lat = Load.histogram();
        long missing = 0;
        long early = 0;
        for (Map.Entry<Long, Long> e : returned.entrySet()) {
            Long at = arrived.get(e.getKey());
            if (at == null) {
                missing++;
                continue;
            }
            long us = (at - e.getValue()) / 1000;
            if (us < 0) {
                early++;
            }
            lat.recordValue(Math.min(Load.MAX_MICROS, Math.max(0, us)));
        }
        Ctx.log(
                "feed %s: %d events, p50 %.2f ms p99 %.2f ms max %.1f ms, %d before the call returned, %d missing; "
                        + "progress calls p99 %.1f ms, %d failed",
                label,
                lat.getTotalCount(),
                lat.getValueAtPercentile(50) / 1000.0,
                lat.getValueAtPercentile(99) / 1000.0,
                lat.getMaxValue() / 1000.0,
                early,
                missing,
                calls.p(99),
                calls.errors());
        ctx.report.figure("ws_p99", "Latency", "", "").errors += missing + calls.errors();
        returned.clear();
        arrived.clear();
        return lat;
    }
}
