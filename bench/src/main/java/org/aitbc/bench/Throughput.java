package org.aitbc.bench;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;

/**
 * Submissions per second, whole lifecycles per second with the claim latency, and job reads at a
 * constant rate, each beside the cheapest route of the same server ({@code GET /health/live})
 * under the same load.
 */
final class Throughput {
    private static final String[] NO_HEADERS = new String[0];
    /** Submitted lifecycles not yet completed, at most: the clients wait rather than pile up a queue. */
    private static final int BACKLOG = 64;
    /** Warm-up rounds at most before the steps' figures. */
    private static final int WARMUP_BATCHES = 8;

    /** Lifecycle warm-up batches at most (of 600: 24,000 lifecycles, some 5 minutes). */
    private static final int LIFECYCLE_WARMUP_BATCHES = 40;

    /** The JIT compiler's share of the server's CPU below which a warm-up batch ends the warm-up. */
    private static final double JIT_SETTLED = 0.05;

    private final Ctx ctx;
    private final Ctx.Scale s;
    /** Jobs that went through a whole lifecycle, with their owner's key: what the read figure reads. */
    final List<String[]> completedJobs = Collections.synchronizedList(new ArrayList<>());

    Throughput(Ctx ctx) {
        this.ctx = ctx;
        this.s = ctx.scale;
    }

    /**
     * Warm-up batches (or step rounds) at most: {@code max}, or one in a smoke run, which checks
     * that every scenario works, not what it measures.
     */
    private int warmups(int max) {
        return s.smoke() ? 1 : max;
    }

    /** Whether the harness's own server runs on its own PostgreSQL ({@code --db postgres}). */
    private boolean postgres() {
        return ctx.server != null && ctx.server.postgres != null;
    }

    static boolean live(RawHttp http) throws IOException {
        return http.send("GET", "/health/live", NO_HEADERS, null).status() == 200;
    }

    // ---- submissions ---------------------------------------------------------------------------

    void submissions() {
        Report.Figure f = ctx.report
                .figure(
                        "submit_rate",
                        "Throughput",
                        "POST /v1/jobs, " + s.submitThreads() + " concurrent clients",
                        "jobs/s")
                .baseline("GET /health/live, same clients")
                .target("≥ 1,000/s", Report.Check.AT_LEAST, 1000);
        List<String[]> headers = new ArrayList<>();
        try (Api api = ctx.api()) {
            for (int i = 0; i < s.submitThreads(); i++) {
                String key = api.account(ctx.adminKey, "client", "pro", "bench-submit-" + i)
                        .key();
                headers.add(Api.headers(key, null, true));
            }
        }
        // A region no miner serves: these jobs stay pending (they are not claimed by the other scenarios).
        byte[] body = RawHttp.utf8(Api.jobBody(ctx.tag("submit"), "bench submission"));
        Report.Figure cpu = ctx.report
                .figure("submit_cpu", "Throughput", "Server CPU per submission (POST /v1/jobs)", "ms")
                .baseline("server CPU per GET /health/live, same clients");
        for (int run = 1; run <= s.runs(); run++) {
            long c0 = ctx.probe.cpuMillis();
            Load.Result base =
                    Load.closed(ctx.base, s.submitThreads(), s.warmup(), s.measure(), (http, i) -> live(http));
            long c1 = ctx.probe.cpuMillis();
            Load.Result sub = Load.closed(ctx.base, s.submitThreads(), s.warmup(), s.measure(), (http, i) -> {
                String[] h = headers.get((int) (Thread.currentThread().getId() % headers.size()));
                RawHttp.Res r = http.send("POST", "/v1/jobs", h, body);
                if (r.status() != 201) {
                    throw new IllegalStateException("submit answered " + r.status() + ": " + Api.clip(r.text()));
                }
                return true;
            });
            long c2 = ctx.probe.cpuMillis();
            f.addBaseline(base.rate());
            f.add(sub.rate());
            if (c0 >= 0 && c2 >= 0) {
                // The CPU window holds the warm-up too: requests estimated at the measured rate over both.
                double window = (s.warmup().toMillis() + s.measure().toMillis()) / 1000.0;
                cpu.add((c2 - c1) / Math.max(1, sub.rate() * window));
                cpu.addBaseline((c1 - c0) / Math.max(1, base.rate() * window));
            }
            f.errors += sub.errors() + base.errors();
            Ctx.log(
                    "submissions run %d: %.0f jobs/s (p50 %.1f ms, p99 %.1f ms), /health/live %.0f/s%s",
                    run,
                    sub.rate(),
                    sub.p(50),
                    sub.p(99),
                    base.rate(),
                    sub.firstError() == null ? "" : "; " + sub.firstError());
        }
        f.note = "closed loop: " + s.submitThreads() + " threads, each with its own client account and keep-alive "
                + "connection, send the next request when the answer arrives; "
                + s.warmup().toSeconds()
                + " s warm-up, then " + s.measure().toSeconds() + " s counted. The baseline is the same loop on "
                + "GET /health/live just before.";
    }

    /**
     * Lifecycles against what commits allow: a lifecycle is five commits and a submission one, so
     * on the same server and database lifecycles/s can at best be submissions/s ÷ 5. Both figures
     * come from this run.
     */
    void commitLimit() {
        Report.Figure life = ctx.report.get("lifecycle_rate");
        Report.Figure sub = ctx.report.get("submit_rate");
        if (life == null || sub == null || life.values.isEmpty() || sub.values.isEmpty()) {
            return;
        }
        Report.Figure f = ctx.report
                .figure("lifecycle_commit_limit", "Throughput", "Whole lifecycles ÷ the commit limit", "")
                .baseline("submissions/s ÷ 5, same run")
                .target("≥ 0.8", Report.Check.RATIO_AT_LEAST, 0.8);
        f.add(life.median());
        f.addBaseline(sub.median() / 5);
        f.note = "the lifecycle figure's median against the submissions' median ÷ 5 (a lifecycle is five commits: "
                + "submit, claim, start, progress, result; a submission is one).";
    }

    // ---- whole lifecycles ----------------------------------------------------------------------

    /** One batch of lifecycles: counts and the claim latencies. */
    private record Batch(
            int completed,
            int submitted,
            double seconds,
            Histogram claims,
            long emptyPolls,
            long errors,
            String firstError) {}

    void lifecycles() {
        Report.Figure f = ctx.report
                .figure(
                        "lifecycle_rate",
                        "Throughput",
                        "Whole lifecycles (submit, poll, start, " + "progress, result), " + s.miners() + " miners and "
                                + s.clients() + " clients",
                        "jobs/s")
                .baseline("the same 5 requests on GET /health/live")
                // The two targets: embedded Derby, and PostgreSQL with one server.
                .target(
                        postgres() ? "≥ 200/s (PostgreSQL, one server)" : "≥ 150/s (Derby)",
                        Report.Check.AT_LEAST,
                        postgres() ? 200 : 150);
        Report.Figure p50 = ctx.report
                .figure("claim_p50", "Throughput", "Claim (poll that got a job) p50", "ms")
                .baseline("GET /health/live p50, same load");
        Report.Figure p99 = ctx.report
                .figure("claim_p99", "Throughput", "Claim (poll that got a job) p99", "ms")
                .baseline("GET /health/live p99, same load")
                .target("< 50 ms", Report.Check.AT_MOST, 50);
        Api.Tag tag = ctx.tag("lifecycle");
        List<String> clientKeys = new ArrayList<>();
        String minerKey;
        List<String> minerIds = new ArrayList<>();
        try (Api api = ctx.api()) {
            for (int i = 0; i < s.clients(); i++) {
                clientKeys.add(api.account(ctx.adminKey, "client", "pro", "bench-lifecycle-" + i)
                        .key());
            }
            minerKey = api.account(ctx.adminKey, "miner", null, "bench-lifecycle-miner")
                    .key();
            for (int i = 0; i < s.miners(); i++) {
                String id = "bench-" + ctx.runTag + "-m" + i;
                api.register(minerKey, id, tag, 1);
                minerIds.add(id);
            }
        }
        // Warm-up batches until the JIT compiler has done its work: the first thousands of
        // lifecycles after a start run partly interpreted, and the compiler's threads take CPU
        // from the requests for minutes (measured: 57/s after 3,000 lifecycles, 166/s after
        // 15,000 on the same server). The figure is of the compiled server, as it runs after
        // minutes of traffic: batches go on until the compiler used less than JIT_SETTLED of the
        // server's CPU in two batches in a row (one alone was followed by slower ones). Where its
        // threads cannot be read (--url to another host), until the rate stops rising.
        int expected = 0;
        double previous = 0;
        int settled = 0;
        for (int i = 1; i <= warmups(LIFECYCLE_WARMUP_BATCHES); i++) {
            long cpu0 = ctx.probe.cpuMillis();
            long jit0 = ctx.probe.compilerCpuMillis();
            Batch warm = batch(tag, clientKeys, minerKey, minerIds, s.lifecycleWarmupJobs(), false);
            long cpu = ctx.probe.cpuMillis() - cpu0;
            long jit = jit0 < 0 ? -1 : ctx.probe.compilerCpuMillis() - jit0;
            double rate = warm.completed() / Math.max(0.001, warm.seconds());
            expected += warm.completed();
            double share = jit >= 0 && cpu > 0 ? jit / (double) cpu : Double.NaN;
            Ctx.log(
                    "lifecycles warm-up %d: %d in %.1f s = %.0f/s; JIT compiler %s of the server's CPU",
                    i,
                    warm.completed(),
                    warm.seconds(),
                    rate,
                    Double.isNaN(share) ? "unknown" : String.format("%.0f %%", share * 100));
            settled = share < JIT_SETTLED ? settled + 1 : 0;
            if (i >= 2 && (Double.isNaN(share) ? rate < previous * 1.1 : settled >= 2)) {
                break;
            }
            previous = Math.max(previous, rate);
        }
        Report.Figure cpu = ctx.report
                .figure("lifecycle_cpu", "Throughput", "Server CPU per lifecycle (process, /proc)", "ms")
                .baseline("server CPU per baseline lifecycle (5 × GET /health/live)");
        Report.Figure requests = ctx.report
                .figure(
                        "lifecycle_requests",
                        "Throughput",
                        "Requests per lifecycle (each write request is one commit; empty polls too)",
                        "requests")
                .baseline("the minimum: submit, claim, start, progress, result");
        for (int run = 1; run <= s.runs(); run++) {
            long c0 = ctx.probe.cpuMillis();
            Batch base = batch(tag, clientKeys, minerKey, minerIds, s.lifecycleJobs(), true);
            long c1 = ctx.probe.cpuMillis();
            Batch b = batch(tag, clientKeys, minerKey, minerIds, s.lifecycleJobs(), false);
            long c2 = ctx.probe.cpuMillis();
            if (c0 >= 0 && c2 >= 0) {
                cpu.add((double) (c2 - c1) / Math.max(1, b.completed()));
                cpu.addBaseline((double) (c1 - c0) / Math.max(1, base.completed()));
            }
            requests.add(5.0 + (double) b.emptyPolls() / Math.max(1, b.completed()));
            requests.addBaseline(5.0);
            expected += b.completed();
            f.add(b.completed() / b.seconds());
            f.addBaseline(base.completed() / base.seconds());
            p50.add(b.claims().getValueAtPercentile(50) / 1000.0);
            p99.add(b.claims().getValueAtPercentile(99) / 1000.0);
            p50.addBaseline(base.claims().getValueAtPercentile(50) / 1000.0);
            p99.addBaseline(base.claims().getValueAtPercentile(99) / 1000.0);
            f.errors += b.errors() + base.errors() + (b.submitted() - b.completed());
            Ctx.log(
                    "lifecycles run %d: %d in %.2f s = %.0f/s; claim p50 %.1f ms p99 %.1f ms; %d empty polls; "
                            + "baseline %.0f/s%s",
                    run,
                    b.completed(),
                    b.seconds(),
                    b.completed() / b.seconds(),
                    b.claims().getValueAtPercentile(50) / 1000.0,
                    b.claims().getValueAtPercentile(99) / 1000.0,
                    b.emptyPolls(),
                    base.completed() / base.seconds(),
                    b.firstError() == null ? "" : "; " + b.firstError());
        }
        // Every lifecycle must have ended completed, as the clients' own statistics say.
        long completed = 0;
        try (Api api = ctx.api()) {
            for (String key : clientKeys) {
                completed += Api.json(api.expect(200, "GET", "/v1/jobs/stats", key, null, null))
                        .getJsonObject("by_status")
                        .getJsonNumber("completed")
                        .longValue();
            }
        }
        if (completed != expected) {
            f.errors += Math.abs(expected - completed);
            ctx.report.note("Lifecycles: the clients' statistics count " + completed + " completed jobs, the harness "
                    + "completed " + expected + ".");
        }
        f.note = "per run, up to " + s.lifecycleJobs() + " jobs or " + (s.smoke() ? 5 : 20) + " s of submitting: "
                + s.clients() + " client threads submit as fast as answers come (keeping at most " + BACKLOG
                + " jobs not yet completed) while " + s.miners()
                + " miner threads (own miner ids, concurrency 1) loop poll "
                + "(max_wait_seconds 1) → start → progress 50 % → result; the figure is jobs ÷ time from the first "
                + "submission to the last result. After the runs the clients' GET /v1/jobs/stats must count every "
                + "one completed (" + completed + " of " + expected + "). The baseline sends the same number of "
                + "requests from the same " + (s.clients() + s.miners()) + " threads to GET /health/live.";
        p99.note = "latency of the polls that returned a job (those that found the queue empty and waited are "
                + "counted apart, and were few because the clients stay ahead of the miners).";
    }

    /**
     * Server CPU per request of each step of a lifecycle, measured apart: the steps' jobs are
     * submitted first, then claimed, started, moved to 50 % and completed, one step at a time for
     * all of them, each step by {@code s.miners()} threads, with the process CPU read between the
     * steps and the idle process's CPU over the same time taken off. Where the whole lifecycle's
     * CPU goes, a step at a time.
     */
    void steps() {
        Api.Tag tag = ctx.tag("steps");
        int jobs = s.smoke() ? 160 : 1600;
        int threads = s.miners();
        List<String> minerIds = new ArrayList<>();
        String clientKey;
        String minerKey;
        try (Api api = ctx.api()) {
            clientKey =
                    api.account(ctx.adminKey, "client", "pro", "bench-steps").key();
            minerKey = api.account(ctx.adminKey, "miner", null, "bench-steps-miner")
                    .key();
            for (int i = 0; i < threads; i++) {
                String id = "bench-" + ctx.runTag + "-s" + i;
                // Each thread's miner holds all its claims at once, and the threads share the jobs
                // first come first served: the most the API allows, which no thread's share reaches.
                api.register(minerKey, id, tag, 1024);
                minerIds.add(id);
            }
        }
        double idlePerSecond = idleCpuPerSecond();
        String[] client = Api.headers(clientKey, null, true);
        byte[] body = RawHttp.utf8(Api.jobBody(tag, "steps"));
        byte[] poll = RawHttp.utf8("{\"max_wait_seconds\":1}");
        byte[] progress = RawHttp.utf8("{\"progress\":50,\"message\":\"halfway\"}");
        byte[] result = RawHttp.utf8("{\"result\":{\"output\":\"done\"},\"metrics\":{\"tokens\":1}}");
        StringBuilder log = new StringBuilder();
        AtomicInteger emptyPolls = new AtomicInteger();
        // Warm-up rounds of half as many jobs until a round is no longer 10 % faster than the
        // fastest before it (the JIT compiler done with these paths), then the measured round.
        long previous = Long.MAX_VALUE;
        boolean measuring = false;
        for (int round = 1; ; round++) {
            long t0 = System.nanoTime();
            boolean warm = !measuring;
            int n = warm ? jobs / 2 : jobs;
            List<List<String>> claimed = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                claimed.add(Collections.synchronizedList(new ArrayList<>()));
            }
            AtomicInteger left = new AtomicInteger(n);
            measureStep("submit", "POST /v1/jobs", idlePerSecond, threads, warm ? null : log, (http, t) -> {
                int sent = 0;
                for (; left.getAndDecrement() > 0; sent++) {
                    expect(http.send("POST", "/v1/jobs", client, body), 201, "submit");
                }
                return sent;
            });
            AtomicInteger toClaim = new AtomicInteger(n);
            measureStep("claim", "POST /v1/miners/poll", idlePerSecond, threads, warm ? null : log, (http, t) -> {
                String[] h = Api.headers(minerKey, minerIds.get(t), true);
                int sent = 0;
                while (toClaim.getAndDecrement() > 0) {
                    while (true) {
                        RawHttp.Res r = http.send("POST", "/v1/miners/poll", h, poll);
                        sent++;
                        if (r.status() == 204) {
                            // Jobs were pending all along: a poll that found none lost every candidate it read.
                            emptyPolls.incrementAndGet();
                            continue;
                        }
                        expect(r, 200, "poll");
                        claimed.get(t).add(r.field("job_id"));
                        break;
                    }
                }
                return sent;
            });
            String[][] paths = {{"start", "/start"}, {"progress", "/progress"}, {"result", "/result"}};
            byte[][] bodies = {null, progress, result};
            for (int k = 0; k < paths.length; k++) {
                String suffix = paths[k][1];
                byte[] b = bodies[k];
                measureStep(
                        paths[k][0],
                        "POST /v1/miners/{job}" + suffix,
                        idlePerSecond,
                        threads,
                        warm ? null : log,
                        (http, t) -> {
                            String[] h = Api.headers(minerKey, minerIds.get(t), true);
                            for (String job : claimed.get(t)) {
                                expect(http.send("POST", "/v1/miners/" + job + suffix, h, b), 200, suffix);
                            }
                            return claimed.get(t).size();
                        });
            }
            if (!warm) {
                break;
            }
            long took = System.nanoTime() - t0;
            Ctx.log("lifecycle steps warm-up %d: %d jobs in %.1f s", round, n, took / 1e9);
            measuring = round >= warmups(WARMUP_BATCHES) || (round >= 2 && took > previous * 0.9);
            previous = Math.min(previous, took);
        }
        Ctx.log(
                "lifecycle steps (server CPU per request):%s %d polls answered 204 while jobs were pending",
                log, emptyPolls.get());
    }

    /** One thread's share of a step: answers the requests it sent. */
    private interface StepWork {
        int run(RawHttp http, int thread) throws IOException;
    }

    /**
     * One step for all the round's jobs, and its CPU per request beside GET /health/live's (a
     * warm-up round, {@code log} null, records nothing).
     */
    private void measureStep(
            String name, String what, double idlePerSecond, int threads, StringBuilder log, StepWork work) {
        if (log == null) {
            runThreads(threads, work);
            return;
        }
        Report.Figure f = ctx.report
                .figure("step_cpu_" + name, "Throughput", "Server CPU per " + what + " (lifecycle step alone)", "ms")
                .baseline("the same per GET /health/live, same threads");
        long[] base = runThreads(threads, (http, t) -> {
            for (int i = 0; i < 200; i++) {
                live(http);
            }
            return 200;
        });
        long[] measured = runThreads(threads, work);
        double ms = (measured[0] - idlePerSecond * measured[1] / 1e9) / Math.max(1, measured[2]);
        double baseMs = (base[0] - idlePerSecond * base[1] / 1e9) / Math.max(1, base[2]);
        f.add(ms);
        f.addBaseline(baseMs);
        f.note = "process CPU from /proc/PID/stat, less the idle server's own CPU over the same time ("
                + String.format("%.1f", idlePerSecond) + " ms/s, measured before the steps); each step runs for "
                + "all of the round's jobs before the next begins, after warm-up rounds of half as many.";
        String line = String.format(" %s %.2f ms (%d in %.1f s);", name, ms, measured[2], measured[1] / 1e9);
        Ctx.log("lifecycle step%s", line);
        log.append(line);
    }

    /** Runs the work on {@code threads} threads at once: answers {process CPU ms, wall ns, requests}. */
    private long[] runThreads(int threads, StepWork work) {
        AtomicLong requests = new AtomicLong();
        AtomicReference<Exception> failed = new AtomicReference<>();
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int i = 0; i < threads; i++) {
            int t = i;
            all.add(new Thread(
                    () -> {
                        try (RawHttp http = new RawHttp(ctx.base)) {
                            live(http); // the connection is opened before the clock starts
                            go.await();
                            requests.addAndGet(work.run(http, t));
                        } catch (Exception e) {
                            failed.compareAndSet(null, e);
                        }
                    },
                    "lifecycle-step"));
        }
        all.forEach(Thread::start);
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        long c0 = ctx.probe.cpuMillis();
        long t0 = System.nanoTime();
        go.countDown();
        for (Thread t : all) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        long wall = System.nanoTime() - t0;
        long cpu = ctx.probe.cpuMillis() - c0;
        if (failed.get() != null) {
            throw new IllegalStateException("lifecycle step failed: " + failed.get(), failed.get());
        }
        return new long[] {cpu, wall, requests.get()};
    }

    /** The server's CPU per second while nobody sends it anything (timers, pollers, the feed). */
    private double idleCpuPerSecond() {
        long c0 = ctx.probe.cpuMillis();
        long t0 = System.nanoTime();
        try {
            Thread.sleep(3000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return (ctx.probe.cpuMillis() - c0) / ((System.nanoTime() - t0) / 1e9);
    }

    private static void expect(RawHttp.Res r, int status, String what) {
        if (r.status() != status) {
            throw new IllegalStateException(what + " answered " + r.status() + ": " + Api.clip(r.text()));
        }
    }

    /** Runs {@code jobs} lifecycles (or, as baseline, the same requests on /health/live). */
    private Batch batch(
            Api.Tag tag, List<String> clientKeys, String minerKey, List<String> minerIds, int jobs, boolean baseline) {
        AtomicInteger toSubmit = new AtomicInteger(jobs);
        // Time-boxed as well: the clients stop submitting after the window (and keep at most BACKLOG jobs
        // queued), so that a slow server makes a run shorter, not longer.
        long submitUntil = System.nanoTime() + (s.smoke() ? 5_000_000_000L : 20_000_000_000L);
        AtomicInteger submittedCount = new AtomicInteger();
        AtomicInteger clientsRunning = new AtomicInteger(clientKeys.size());
        AtomicInteger done = new AtomicInteger();
        // Lifecycles that cannot finish (a refused submission, a miner step that failed): not waited for.
        AtomicInteger lost = new AtomicInteger();
        AtomicLong lastDone = new AtomicLong();
        AtomicLong empty = new AtomicLong();
        AtomicInteger busy = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        List<String[]> submitted = Collections.synchronizedList(new ArrayList<>());
        byte[] body = RawHttp.utf8(Api.jobBody(tag, "lifecycle"));
        byte[] poll = RawHttp.utf8("{\"max_wait_seconds\":1}");
        byte[] progress = RawHttp.utf8("{\"progress\":50,\"message\":\"halfway\"}");
        byte[] result = RawHttp.utf8("{\"result\":{\"output\":\"done\"},\"metrics\":{\"tokens\":1}}");
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (String key : clientKeys) {
            String[] h = Api.headers(key, null, true);
            threads.add(new Thread(
                    () -> {
                        try (RawHttp http = new RawHttp(ctx.base)) {
                            go.await();
                            while (System.nanoTime() < submitUntil && toSubmit.getAndDecrement() > 0) {
                                while (submittedCount.get() - done.get() - lost.get() >= BACKLOG
                                        && System.nanoTime() < submitUntil) {
                                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                                }
                                try {
                                    if (baseline) {
                                        live(http);
                                        submittedCount.incrementAndGet();
                                        continue;
                                    }
                                    RawHttp.Res r = http.send("POST", "/v1/jobs", h, body);
                                    if (r.status() != 201) {
                                        throw new IllegalStateException(
                                                "submit " + r.status() + ": " + Api.clip(r.text()));
                                    }
                                    submittedCount.incrementAndGet();
                                    submitted.add(new String[] {key, r.field("job_id")});
                                } catch (Exception e) {
                                    errors.incrementAndGet();
                                    lost.incrementAndGet();
                                    firstError.compareAndSet(null, e.toString());
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        } finally {
                            clientsRunning.decrementAndGet();
                        }
                    },
                    "lifecycle-client"));
        }
        List<Histogram> perMiner = new ArrayList<>();
        for (String minerId : minerIds) {
            String[] h = Api.headers(minerKey, minerId, true);
            Histogram mine = Load.histogram();
            perMiner.add(mine);
            threads.add(new Thread(
                    () -> {
                        try (RawHttp http = new RawHttp(ctx.base)) {
                            go.await();
                            while (clientsRunning.get() > 0 || done.get() + lost.get() < submittedCount.get()) {
                                String job = null;
                                try {
                                    long t0 = System.nanoTime();
                                    if (baseline) {
                                        // The baseline has no queue: a "claim" stands for one of the submitted
                                        // lifecycles.
                                        if (done.get() + lost.get() + busy.get() >= submittedCount.get()) {
                                            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                                            continue;
                                        }
                                        busy.incrementAndGet();
                                        live(http);
                                    } else {
                                        RawHttp.Res r = http.send("POST", "/v1/miners/poll", h, poll);
                                        if (r.status() == 204) {
                                            empty.incrementAndGet();
                                            continue;
                                        }
                                        if (r.status() != 200) {
                                            throw new IllegalStateException(
                                                    "poll " + r.status() + ": " + Api.clip(r.text()));
                                        }
                                        job = r.field("job_id");
                                    }
                                    mine.recordValue(Math.min(Load.MAX_MICROS, (System.nanoTime() - t0) / 1000));
                                    if (baseline) {
                                        live(http);
                                        live(http);
                                        live(http);
                                    } else {
                                        step(http, "/v1/miners/" + job + "/start", h, null);
                                        step(http, "/v1/miners/" + job + "/progress", h, progress);
                                        step(http, "/v1/miners/" + job + "/result", h, result);
                                    }
                                    if (baseline) {
                                        busy.decrementAndGet();
                                    }
                                    done.incrementAndGet();
                                    lastDone.set(System.nanoTime());
                                } catch (Exception e) {
                                    errors.incrementAndGet();
                                    if (job != null) {
                                        lost.incrementAndGet();
                                    }
                                    firstError.compareAndSet(null, e.toString());
                                }
                            }
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    },
                    "lifecycle-miner"));
        }
        threads.forEach(Thread::start);
        long start = System.nanoTime();
        go.countDown();
        long deadline = start + 300_000_000_000L;
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Histogram claims = Load.histogram();
        perMiner.forEach(claims::add);
        int completed = done.get();
        if (!baseline) {
            completedJobs.addAll(submitted);
        }
        return new Batch(
                completed,
                submittedCount.get(),
                (lastDone.get() - start) / 1e9,
                claims,
                empty.get(),
                errors.get(),
                firstError.get());
    }

    private static void step(RawHttp http, String path, String[] h, byte[] body) throws IOException {
        expect(http.send("POST", path, h, body), 200, path);
    }

    // ---- reads at a constant rate ---------------------------------------------------------------

    /** Reads of jobs that went through their whole life, by their owners, at a constant rate. */
    void reads() {
        Report.Figure p50 = ctx.report
                .figure("read_p50", "Latency", "GET /v1/jobs/{id} p50 at " + (int) s.readRate() + " req/s", "ms")
                .baseline("GET /health/live p50 at the same rate");
        Report.Figure p99 = ctx.report
                .figure("read_p99", "Latency", "GET /v1/jobs/{id} p99 at " + (int) s.readRate() + " req/s", "ms")
                .baseline("GET /health/live p99 at the same rate")
                .target("≤ 1.2 × baseline", Report.Check.RATIO_AT_MOST, 1.2);
        List<String[]> jobs = sample(s.readJobs());
        if (jobs.isEmpty()) {
            p99.skipped = "no completed jobs to read";
            return;
        }
        for (int run = 1; run <= s.runs(); run++) {
            Load.Result base = Load.open(
                    ctx.base, s.readConnections(), s.readRate(), s.warmup(), s.measure(), (http, i) -> live(http));
            Load.Result r = Load.open(
                    ctx.base,
                    s.readConnections(),
                    s.readRate(),
                    s.warmup(),
                    s.measure(),
                    (http, i) -> read(http, jobs.get((int) (i % jobs.size()))));
            p50.add(r.p(50));
            p99.add(r.p(99));
            p50.addBaseline(base.p(50));
            p99.addBaseline(base.p(99));
            p99.errors += r.errors() + base.errors();
            Ctx.log(
                    "reads run %d: p50 %.2f p99 %.2f max %.1f ms (%d ok, %d errors, worst start lateness %.1f ms); "
                            + "/health/live p50 %.2f p99 %.2f ms%s",
                    run,
                    r.p(50),
                    r.p(99),
                    r.p(100),
                    r.ok(),
                    r.errors(),
                    r.lateStartMs(),
                    base.p(50),
                    base.p(99),
                    r.firstError() == null ? "" : "; " + r.firstError());
        }
        p99.note = "open loop: request i is due at start + i/" + (int) s.readRate() + " s whatever the server does, "
                + "sent by the first free of " + s.readConnections() + " keep-alive connections, and its latency "
                + "counts from when it was due (coordinated omission avoided); " + jobs.size() + " completed jobs read "
                + "in turn by their owners; " + s.warmup().toSeconds() + " s warm-up, "
                + s.measure().toSeconds()
                + " s counted.";
    }

    static boolean read(RawHttp http, String[] keyAndId) throws IOException {
        RawHttp.Res r = http.send("GET", "/v1/jobs/" + keyAndId[1], new String[] {"X-Api-Key: " + keyAndId[0]}, null);
        if (r.status() != 200) {
            throw new IllegalStateException("read answered " + r.status() + ": " + Api.clip(r.text()));
        }
        return true;
    }

    /** Up to {@code n} jobs with their owners' keys, from the lifecycles (or submitted now). */
    List<String[]> sample(int n) {
        synchronized (completedJobs) {
            if (completedJobs.size() >= n) {
                return new ArrayList<>(completedJobs.subList(0, n));
            }
        }
        List<String[]> out = new ArrayList<>(completedJobs);
        try (Api api = ctx.api()) {
            String key =
                    api.account(ctx.adminKey, "client", "pro", "bench-reads").key();
            Api.Tag tag = ctx.tag("reads");
            while (out.size() < n) {
                out.add(new String[] {key, api.submit(key, tag, "read me")});
            }
        }
        return out;
    }
}
