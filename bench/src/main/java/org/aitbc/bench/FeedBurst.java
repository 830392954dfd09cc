package org.aitbc.bench;

import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.HdrHistogram.Histogram;

/**
 * The feed under writers that do not wait (issue 15, item 4): 16 miner threads post progress back to
 * back on the scenario's running jobs while the same jobs' owners read them over REST at a constant
 * rate; first with no subscriber (the baseline of the reads), then with one WebSocket subscriber per
 * job. Counted: for every event, its call's return → its arrival at the job's subscriber (every event
 * must arrive, in id order, at that subscriber only); the subscribers resynced or closed; the reads'
 * p99 with and without subscribers; the writers' rate.
 *
 * <p>"Committed → received": the progress call returns after its transaction committed, so the
 * return is a little after the commit and this latency a little under the true one (an event that
 * arrives before its call returned counts 0, and is counted). The event's own time ({@code at}, set
 * in the transaction before the commit, in ms) → arrival is shown too: an upper bound that includes
 * the commit.
 */
final class FeedBurst {
    private static final int WRITERS = 16;
    private static final int READ_CONNECTIONS = 8;
    private static final double READ_RATE = 200;
    private static final Pattern EVENT_ID = Pattern.compile("\"event_id\":(\\d+)");

    private final Ctx ctx;
    private final List<String> jobs;
    private final List<String> owners;
    private final String minerKey;
    private final String minerId;
    private final ExecutorService callbacks = Executors.newFixedThreadPool(2, r -> {
        Thread t = new Thread(r, "ws-burst-callbacks");
        t.setDaemon(true);
        return t;
    });
    private final HttpClient http;
    private final AtomicLong seqBase = new AtomicLong(1_000_000_000L);

    /** When each call returned, and the job it was about, by sequence number (its message is "c" + seq). */
    private final Map<Long, Long> returned = new ConcurrentHashMap<>();

    private final Map<Long, String> jobOf = new ConcurrentHashMap<>();
    private final Map<Long, Long> arrived = new ConcurrentHashMap<>();
    private final Map<Long, Long> eventAtMs = new ConcurrentHashMap<>();
    private final Map<Long, Long> arrivedWallMs = new ConcurrentHashMap<>();
    private final AtomicLong astray = new AtomicLong();
    private final AtomicLong outOfOrder = new AtomicLong();
    private final AtomicLong resyncs = new AtomicLong();
    private final AtomicLong closes = new AtomicLong();

    FeedBurst(Ctx ctx, List<String> jobs, List<String> owners, String minerKey, String minerId) {
        this.ctx = ctx;
        this.jobs = jobs;
        this.owners = owners;
        this.minerKey = minerKey;
        this.minerId = minerId;
        this.http = HttpClient.newBuilder()
                .executor(callbacks)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
    }

    /** One subscriber, following one job. */
    private final class Sub extends FeedSubscriber {
        long lastEventId;

        Sub(String job) {
            super(job);
        }

        @Override
        void message(String text, long now) {
            String message = RawHttp.Res.field(text, "message");
            Matcher id = EVENT_ID.matcher(text);
            if (id.find()) {
                long eventId = Long.parseLong(id.group(1));
                if (!job.equals(RawHttp.Res.field(text, "job_id"))) {
                    astray.incrementAndGet();
                } else if (eventId <= lastEventId) {
                    outOfOrder.incrementAndGet();
                }
                lastEventId = Math.max(lastEventId, eventId);
                if (message != null && message.startsWith("c")) {
                    try {
                        long seq = Long.parseLong(message.substring(1));
                        if (arrived.putIfAbsent(seq, now) == null) {
                            arrivedWallMs.put(seq, System.currentTimeMillis());
                            String at = RawHttp.Res.field(text, "at");
                            if (at != null) {
                                eventAtMs.put(seq, Instant.parse(at).toEpochMilli());
                            }
                        }
                    } catch (RuntimeException e) {
                        // another message, or a time this parser does not read
                    }
                }
            } else {
                String type = RawHttp.Res.field(text, "type");
                if ("subscribed".equals(type)) {
                    ready.complete(null);
                } else if ("resync".equals(type)) {
                    resyncs.incrementAndGet();
                } else if ("error".equals(type)) {
                    ready.completeExceptionally(new IllegalStateException("feed error: " + text));
                }
            }
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closes.incrementAndGet();
            return null;
        }
    }

    /** What one phase measured. */
    private record Phase(Load.Result writes, Load.Result reads) {}

    void run() throws Exception {
        int n = jobs.size();
        Ctx.Scale s = ctx.scale;
        String section = "WebSocket, " + WRITERS + " writers back to back";
        Report.Figure p99 = ctx.report
                .figure(
                        "ws_burst_p99",
                        section,
                        n + " subscribers: progress committed (call returned) → event received, p99",
                        "ms")
                .baseline("the progress calls' own p99, same phase")
                .target("< 100 ms", Report.Check.AT_MOST, 100);
        Report.Figure atP99 = ctx.report
                .figure(
                        "ws_burst_at_p99",
                        section,
                        n + " subscribers: event's time (before its commit) → received, p99",
                        "ms")
                .baseline("the progress calls' own p99, same phase");
        Report.Figure resynced = ctx.report
                .figure("ws_burst_resyncs", section, n + " subscribers: resynced or closed by the server", "count")
                .baseline("subscribers")
                .target("none", Report.Check.AT_MOST, 0);
        Report.Figure reads = ctx.report
                .figure(
                        "ws_burst_read_p99",
                        section,
                        "GET /v1/jobs/{id} at " + (int) READ_RATE + " req/s meanwhile, with " + n + " subscribers, p99",
                        "ms")
                .baseline("the same load without subscribers")
                .target("≤ 1.2 × without", Report.Check.RATIO_AT_MOST, 1.2);
        Report.Figure rate = ctx.report
                .figure("ws_burst_events", section, "progress events committed per second, with subscribers", "1/s")
                .baseline("the same writers without subscribers");

        List<Phase> without = new ArrayList<>();
        for (int run = 1; run <= s.runs(); run++) {
            without.add(phase("without subscribers " + run));
            returned.clear();
            jobOf.clear();
        }
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
        Ctx.log("feed burst: %d subscribers in %.1f s", subs.size(), (System.nanoTime() - t0) / 1e9);
        long missingAll = 0;
        for (int run = 1; run <= s.runs(); run++) {
            long resyncsBefore = resyncs.get() + closes.get();
            Phase with = phase("with " + n + " subscribers " + run);
            // Stragglers: wait until every event arrived, or 10 s.
            long until = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < until && !returned.keySet().stream().allMatch(arrived::containsKey)) {
                Thread.sleep(50);
            }
            Histogram lat = Load.histogram();
            Histogram atLat = Load.histogram();
            long missing = 0;
            long early = 0;
            for (Map.Entry<Long, Long> e : returned.entrySet()) {
                Long at = arrived.get(e.getKey());
                if (at == null) {
                    missing++;
                    continue;
                }
                long us = (at - e.getValue()) / 1000;
                early += us < 0 ? 1 : 0;
                lat.recordValue(Math.min(Load.MAX_MICROS, Math.max(0, us)));
                Long eventMs = eventAtMs.get(e.getKey());
                if (eventMs != null) {
                    long ms = arrivedWallMs.get(e.getKey()) - eventMs;
                    atLat.recordValue(Math.min(Load.MAX_MICROS, Math.max(0, ms * 1000)));
                }
            }
            long lost = resyncs.get() + closes.get() - resyncsBefore;
            missingAll += missing;
            Phase base = without.get(run - 1);
            p99.add(lat.getValueAtPercentile(99) / 1000.0);
            p99.addBaseline(with.writes().p(99));
            atP99.add(atLat.getValueAtPercentile(99) / 1000.0);
            atP99.addBaseline(with.writes().p(99));
            resynced.add(lost);
            resynced.addBaseline(n);
            reads.add(with.reads().p(99));
            reads.addBaseline(base.reads().p(99));
            rate.add(with.writes().rate());
            rate.addBaseline(base.writes().rate());
            Ctx.log(
                    "feed burst run %d: %d events at %.0f/s (without subscribers %.0f/s); return → received p50 %.2f"
                            + " p99 %.2f max %.1f ms (event time → received p99 %.1f ms); %d before the call returned,"
                            + " %d missing, %d resynced/closed; reads p99 %.1f ms (without %.1f ms)",
                    run,
                    lat.getTotalCount(),
                    with.writes().rate(),
                    base.writes().rate(),
                    lat.getValueAtPercentile(50) / 1000.0,
                    lat.getValueAtPercentile(99) / 1000.0,
                    lat.getMaxValue() / 1000.0,
                    atLat.getValueAtPercentile(99) / 1000.0,
                    early,
                    missing,
                    lost,
                    with.reads().p(99),
                    base.reads().p(99));
            returned.clear();
            jobOf.clear();
            arrived.clear();
            eventAtMs.clear();
            arrivedWallMs.clear();
        }
        for (Sub sub : subs) {
            try {
                sub.ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                sub.ws.abort();
            }
        }
        p99.errors += missingAll + astray.get() + outOfOrder.get();
        p99.note = WRITERS + " miner threads post progress back to back (closed loop, "
                + s.wsMeasure().toSeconds()
                + " s counted per run after 1 s) on " + n + " running jobs in turn, while the jobs' owners read them"
                + " with GET /v1/jobs/{id} at " + (int) READ_RATE + " req/s (open loop, " + READ_CONNECTIONS
                + " connections). First without subscribers (the reads' and the writers' baseline), then with one"
                + " WebSocket connection (java.net.http) per job, subscribed to it. Every event of a job must reach"
                + " its subscriber, in id order, and no other: " + missingAll + " missing, " + astray.get()
                + " astray, " + outOfOrder.get() + " out of order. Resynced: connections that got a resync message"
                + " or were closed by the server during the runs.";
        callbacks.shutdownNow();
    }

    private Sub connect(String key, String job) {
        return FeedSubscriber.connect(http, ctx.base, key, new Sub(job));
    }

    /** The writers back to back and the reads at their rate, at the same time. */
    private Phase phase(String label) throws Exception {
        long first = seqBase.getAndAdd(100_000_000L);
        String[] h = Api.headers(minerKey, minerId, true);
        Duration warm = Duration.ofSeconds(1);
        Duration measure = ctx.scale.wsMeasure();
        AtomicReference<Load.Result> reads = new AtomicReference<>();
        Thread reader = new Thread(
                () -> reads.set(Load.open(ctx.base, READ_CONNECTIONS, READ_RATE, warm, measure, (c, i) -> {
                    int j = (int) ((i * 7919) % jobs.size());
                    RawHttp.Res r = c.send(
                            "GET", "/v1/jobs/" + jobs.get(j), new String[] {"X-Api-Key: " + owners.get(j)}, null);
                    return r.status() == 200;
                })),
                "ws-burst-reads");
        reader.start();
        Load.Result writes = Load.closed(ctx.base, WRITERS, warm, measure, (c, i) -> {
            long seq = first + i;
            String job = jobs.get((int) (i % jobs.size()));
            RawHttp.Res r = c.send(
                    "POST",
                    "/v1/miners/" + job + "/progress",
                    h,
                    RawHttp.utf8("{\"progress\":" + (1 + i % 98) + ",\"message\":\"c" + seq + "\"}"));
            if (r.status() != 200) {
                throw new IllegalStateException("progress answered " + r.status() + ": " + Api.clip(r.text()));
            }
            returned.put(seq, System.nanoTime());
            jobOf.put(seq, job);
            return true;
        });
        reader.join();
        Ctx.log(
                "feed burst %s: %.0f progress calls/s (p99 %.1f ms, %d failed); reads p99 %.1f ms (%d failed)",
                label,
                writes.rate(),
                writes.p(99),
                writes.errors(),
                reads.get().p(99),
                reads.get().errors());
        return new Phase(writes, reads.get());
    }
}
