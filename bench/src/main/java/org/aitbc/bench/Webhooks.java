package org.aitbc.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Webhook deliveries under load: miners report progress at a constant rate (each report one
 * {@code job.progress} event) for jobs of several clients, each client with one webhook to a
 * receiver in this process (127.0.0.1, which the harness's server allows). The figure: from a
 * report's answer (its event is committed by then) to the delivery at the receiver, p99; and the
 * API's read p99 during it, beside the same load with no webhook registered, measured in the same
 * run just before.
 */
final class Webhooks {
    private static final int CLIENTS = 8;
    private static final int JOBS_PER_CLIENT = 2;
    private final Ctx ctx;

    Webhooks(Ctx ctx) {
        this.ctx = ctx;
    }

    /** A running job, its owner's key and the miner that holds it. */
    private record Held(String clientKey, String minerId, String jobId) {}

    void run() throws Exception {
        boolean smoke = ctx.scale.smoke();
        double rate = smoke ? 50 : 200;
        double readRate = smoke ? 50 : 200;
        Duration warmup = smoke ? Duration.ofSeconds(1) : Duration.ofSeconds(3);
        Duration measure = smoke ? Duration.ofSeconds(2) : Duration.ofSeconds(10);
        Report.Figure delivery = ctx.report
                .figure(
                        "webhook_delivery_p99",
                        "Webhooks",
                        "delivery at " + (int) rate + " events/s: event committed → receiver got it, p99",
                        "ms")
                .baseline("POST progress (the write of the event) p99 at the same rate");
        Report.Figure reads = ctx.report
                .figure(
                        "webhook_read_p99",
                        "Webhooks",
                        "GET /v1/jobs/{id} p99 at " + (int) readRate + " req/s during it",
                        "ms")
                .baseline("the same reads and events with no webhook")
                .target("≤ 1.2 × baseline", Report.Check.RATIO_AT_MOST, 1.2);
        Api.Tag tag = ctx.tag("webhooks");
        List<String> clients = new ArrayList<>();
        String minerKey;
        try (Api api = ctx.api()) {
            for (int c = 0; c < CLIENTS; c++) {
                clients.add(api.account(ctx.adminKey, "client", "enterprise", "bench-webhooks-" + c)
                        .key());
            }
            minerKey = api.account(ctx.adminKey, "miner", null, "bench-webhooks-miner")
                    .key();
        }
        ConcurrentHashMap<String, Long> arrived = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        ExecutorService receiverThreads = Executors.newFixedThreadPool(16);
        receiver.setExecutor(receiverThreads);
        receiver.createContext("/hook", ex -> {
            byte[] body;
            try (InputStream in = ex.getRequestBody()) {
                body = in.readAllBytes();
            }
            long at = System.nanoTime();
            String message = RawHttp.Res.field(new String(body, StandardCharsets.UTF_8), "message");
            if (message != null) {
                arrived.putIfAbsent(message, at);
            }
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        receiver.start();
        String url = "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
        try {
            for (int run = 1; run <= ctx.scale.runs(); run++) {
                List<Held> jobs = jobs(clients, minerKey, tag, run);
                Phase without = phase(jobs, minerKey, "r" + run + "-none-", rate, readRate, warmup, measure, arrived);
                List<String[]> hooks = new ArrayList<>();
                try (Api api = ctx.api()) {
                    for (String client : clients) {
                        RawHttp.Res r = api.call(
                                "POST",
                                "/v1/webhooks",
                                client,
                                null,
                                "{\"url\":\"" + url + "\",\"events\":[\"job.progress\"]}");
                        if (r.status() != 201) {
                            delivery.skipped = "the server refused a webhook to 127.0.0.1 (" + r.status()
                                    + "): it must allow that host (aitbc.webhooks.allowed.hosts)";
                            reads.skipped = delivery.skipped;
                            finish(jobs, minerKey);
                            return;
                        }
                        hooks.add(new String[] {client, r.field("webhook_id")});
                    }
                }
                Phase with = phase(jobs, minerKey, "r" + run + "-hook-", rate, readRate, warmup, measure, arrived);
                // Every measured event should reach the receiver: wait for the stragglers, then count.
                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (System.nanoTime() < until && with.missing(arrived) > 0) {
                    Thread.sleep(200);
                }
                Histogram h = Load.histogram();
                int missing = 0;
                for (var e : with.returned.entrySet()) {
                    Long at = arrived.get(e.getKey());
                    if (at == null) {
                        missing++;
                    } else {
                        h.recordValue(Math.min(Load.MAX_MICROS, Math.max(0, at - e.getValue()) / 1000));
                    }
                }
                double p99 = h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0;
                delivery.add(p99);
                delivery.addBaseline(with.writes.p(99));
                delivery.errors += missing + with.writes.errors();
                reads.add(with.reads.p(99));
                reads.addBaseline(without.reads.p(99));
                reads.errors += with.reads.errors() + without.reads.errors() + without.writes.errors();
                Ctx.log(
                        "webhooks run %d: delivery p50 %.1f p99 %.1f max %.1f ms (%d delivered, %d missing); "
                                + "progress p99 %.1f ms; reads p99 %.2f ms with webhooks, %.2f ms without",
                        run,
                        h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(50) / 1000.0,
                        p99,
                        h.getTotalCount() == 0 ? Double.NaN : h.getMaxValue() / 1000.0,
                        h.getTotalCount(),
                        missing,
                        with.writes.p(99),
                        with.reads.p(99),
                        without.reads.p(99));
                try (Api api = ctx.api()) {
                    for (String[] hk : hooks) {
                        api.call("DELETE", "/v1/webhooks/" + hk[1], hk[0], null, null);
                    }
                }
                finish(jobs, minerKey);
            }
        } finally {
            receiver.stop(0);
            receiverThreads.shutdownNow();
        }
        delivery.note = CLIENTS + " client accounts, each with " + JOBS_PER_CLIENT + " running jobs and one webhook "
                + "for job.progress to a receiver in the harness (com.sun.net.httpserver on 127.0.0.1, answering "
                + "204 at once); miners report progress in an open loop at " + (int) rate + " reports/s over the "
                + CLIENTS * JOBS_PER_CLIENT + " jobs (one job.progress event each), " + warmup.toSeconds()
                + " s warm-up, " + measure.toSeconds() + " s counted; latency = arrival at the receiver − the "
                + "report's answer (the event commits before the answer), over the counted reports; a delivery "
                + "that did not arrive within 60 s counts as a failed request. The server's sender defaults: "
                + "4 deliveries in flight per webhook, 32 in all, a job's events one after the other (in order).";
        reads.note = "open loop at " + (int) readRate + " req/s over 16 connections, reading the "
                + CLIENTS * JOBS_PER_CLIENT + " running jobs by their owners, while the progress reports above "
                + "run; the baseline is the same reads and reports just before, with no webhook registered "
                + "(no delivery rows, nothing sent).";
    }

    /** What one phase measured: the reports' answers (by message), their latency, and the reads'. */
    private record Phase(ConcurrentHashMap<String, Long> returned, Load.Result writes, Load.Result reads) {
        int missing(ConcurrentHashMap<String, Long> arrived) {
            int n = 0;
            for (String m : returned.keySet()) {
                if (!arrived.containsKey(m)) {
                    n++;
                }
            }
            return n;
        }
    }

    private Phase phase(
            List<Held> jobs,
            String minerKey,
            String label,
            double rate,
            double readRate,
            Duration warmup,
            Duration measure,
            ConcurrentHashMap<String, Long> arrived)
            throws InterruptedException {
        ConcurrentHashMap<String, Long> returned = new ConcurrentHashMap<>();
        long warmupCount = warmup.toNanos() / (long) (1e9 / rate);
        AtomicReference<Load.Result> writes = new AtomicReference<>();
        Thread writer = new Thread(
                () -> writes.set(Load.open(ctx.base, 16, rate, warmup, measure, (http, i) -> {
                    Held h = jobs.get((int) (i % jobs.size()));
                    String message = label + i;
                    RawHttp.Res r = http.send(
                            "POST",
                            "/v1/miners/" + h.jobId() + "/progress",
                            Api.headers(minerKey, h.minerId(), true),
                            RawHttp.utf8("{\"progress\":" + (i % 100) + ",\"message\":\"" + message + "\"}"));
                    if (r.status() != 200) {
                        throw new IllegalStateException("progress answered " + r.status() + ": " + Api.clip(r.text()));
                    }
                    if (i >= warmupCount) {
                        returned.put(message, System.nanoTime());
                    }
                    return true;
                })),
                "webhook-events");
        writer.start();
        Load.Result reads = Load.open(ctx.base, 16, readRate, warmup, measure, (http, i) -> {
            Held h = jobs.get((int) (i % jobs.size()));
            return Throughput.read(http, new String[] {h.clientKey(), h.jobId()});
        });
        writer.join();
        return new Phase(returned, writes.get(), reads);
    }

    private List<Held> jobs(List<String> clients, String minerKey, Api.Tag tag, int run) {
        List<Held> held = new ArrayList<>();
        try (Api api = ctx.api()) {
            List<String> miners = new ArrayList<>();
            for (int c = 0; c < clients.size(); c++) {
                for (int j = 0; j < JOBS_PER_CLIENT; j++) {
                    String minerId = "bench-" + ctx.runTag + "-hook-" + run + "-" + c + "-" + j;
                    api.register(minerKey, minerId, tag, 1);
                    miners.add(minerId);
                    api.submit(clients.get(c), tag, "webhooks");
                }
            }
            for (String minerId : miners) {
                String job = api.poll(minerKey, minerId, 5);
                if (job == null) {
                    throw new IllegalStateException("the webhook miner " + minerId + " claimed nothing");
                }
                api.start(minerKey, minerId, job);
                String owner = ownerOf(api, clients, job);
                held.add(new Held(owner, minerId, job));
            }
        }
        return held;
    }

    /** Which client submitted the job (any miner of the tag may claim any of them). */
    private static String ownerOf(Api api, List<String> clients, String job) {
        for (String c : clients) {
            if (api.call("GET", "/v1/jobs/" + job, c, null, null).status() == 200) {
                return c;
            }
        }
        throw new IllegalStateException("no client of the scenario owns " + job);
    }

    private void finish(List<Held> jobs, String minerKey) {
        try (Api api = ctx.api()) {
            for (Held h : jobs) {
                // Not part of a figure: a lease that ran out meanwhile is fine here.
                api.call("POST", "/v1/miners/" + h.jobId() + "/result", minerKey, h.minerId(), "{\"result\":{}}");
            }
        } catch (RuntimeException e) {
            Ctx.log("webhooks: completing the scenario's jobs failed: %s", e.getMessage());
        }
    }
}
