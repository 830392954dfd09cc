package org.aitbc.bench;

import jakarta.json.JsonObject;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Background work beside reads: job reads run open loop at a constant rate while the work runs and
 * for a while after it, and the figure is their p99 during the work against their p99 after it
 * (issue 15 item 3: ≤ 1.5 ×). Here: the sweeper requeueing many leases that ran out at once
 * (seeded by {@link History#seed} with the other bulk rows); {@link History} uses
 * {@link #beside} for the CSV export of its large history too, and the retention purge has its
 * own loop there.
 */
final class Background {
    private final Ctx ctx;
    private final Ctx.Scale s;

    Background(Ctx ctx) {
        this.ctx = ctx;
        this.s = ctx.scale;
    }

    /** Reads during a piece of work and after it, and how long the work took. */
    record Beside(Load.Result during, Load.Result after, double seconds, boolean startedEarly) {
        /**
         * Adds the reads' p99 during the work to {@code f} and the p99 after it as its baseline;
         * their failed requests and {@code wrong} (what the work left undone) count as errors.
         */
        void score(Report.Figure f, long wrong) {
            f.add(during.p(99));
            f.addBaseline(after.p(99));
            f.errors += during.errors() + after.errors() + wrong;
        }

        /** The reads for the log: p50, p99 and count during the work, and after it. */
        String reads() {
            return String.format(
                    "reads during p50 %.1f p99 %.1f ms (%d), after p50 %.1f p99 %.1f ms (%d)",
                    during.p(50), during.p(99), during.ok(), after.p(50), after.p(99), after.ok());
        }
    }

    /**
     * Runs reads of {@code readJobs} at the purge's read rate from now on; {@code started} and
     * {@code finished} are asked every 100 ms whether the work has begun and ended (the work runs
     * elsewhere: a timer of the server, or a thread of the caller). The reads go on for the
     * baseline's length after a second's pause once it ended.
     */
    static Beside beside(
            Ctx ctx, List<String[]> readJobs, Callable<Boolean> started, Callable<Boolean> finished, long giveUpMs)
            throws Exception {
        Load.Trace trace = new Load.Trace();
        AtomicBoolean stop = new AtomicBoolean();
        Thread load = Load.openUntil(
                ctx.base,
                16,
                ctx.scale.purgeReadRate(),
                stop,
                trace,
                (http, i) -> Throughput.read(http, readJobs.get((int) (i % readJobs.size()))));
        long readsFrom = System.nanoTime();
        long first = 0;
        long last = 0;
        boolean early = false;
        long giveUp = System.nanoTime() + giveUpMs * 1_000_000L;
        try {
            while (System.nanoTime() < giveUp && last == 0) {
                long now = System.nanoTime();
                if (first == 0 && started.call()) {
                    first = now;
                    early = now - readsFrom < 200_000_000L;
                }
                if (first != 0 && finished.call()) {
                    last = now;
                }
                Thread.sleep(100);
            }
            if (last == 0) {
                throw new IllegalStateException(
                        "the work did not " + (first == 0 ? "begin" : "end") + " within " + giveUpMs / 1000 + " s");
            }
            Thread.sleep(1_000 + ctx.scale.purgeBaseline().toMillis());
        } finally {
            stop.set(true);
            load.join();
        }
        long baseFrom = last + 1_000_000_000L;
        // Seen at a resolution of 100 ms: the work began within the 100 ms before it was seen.
        return new Beside(
                trace.window(first - 100_000_000L, last),
                trace.window(baseFrom, baseFrom + ctx.scale.purgeBaseline().toNanos()),
                Math.max(0.1, (last - first) / 1e9),
                early);
    }

    /**
     * The sweeper requeueing {@code leased.jobs()} leases that ran out at once (a miner holding
     * them vanished): seeded running, their leases run out together; the sweeper (every 5 s, paced
     * to {@code aitbc.sweep.per.second}) puts them back in the queue. Every one must end pending.
     */
    void sweep(History.Leased leased, List<String[]> readJobs) throws Exception {
        String n = String.format(java.util.Locale.ROOT, "%,d", leased.jobs());
        String section = "Sweeper requeueing " + n + " expired leases";
        Report.Figure secs = ctx.report.figure("sweep_seconds", section, "Requeue duration (first to last)", "s");
        Report.Figure rate = ctx.report.figure("sweep_rate", section, "Requeue rate", "jobs/s");
        Report.Figure p99 = ctx.report
                .figure(
                        "sweep_read_p99",
                        section,
                        "GET /v1/jobs/{id} p99 at " + (int) s.purgeReadRate() + " req/s while the sweeper requeues",
                        "ms")
                .baseline("same reads after the requeue")
                .target("≤ 1.5 × baseline", Report.Check.RATIO_AT_MOST, 1.5);
        if (leased == null || leased.jobs() == 0) {
            String why = "needs leases seeded in the database, which only the harness's own server allows "
                    + "(run bench/run.sh without --url)";
            secs.skipped = why;
            rate.skipped = why;
            p99.skipped = why;
            return;
        }
        String[] headers = {"X-Api-Key: " + leased.owner().key()};
        try (RawHttp watch = new RawHttp(ctx.base)) {
            long waitMs = Math.max(0, leased.expiresAtMs() - System.currentTimeMillis());
            Ctx.log("sweep: %d leases run out in %.1f s", leased.jobs(), waitMs / 1000.0);
            Beside b = beside(
                    ctx,
                    readJobs,
                    () -> count(watch, headers, "running") < leased.jobs(),
                    () -> count(watch, headers, "running") == 0,
                    waitMs + 600_000L);
            long pending = count(watch, headers, "pending");
            secs.add(b.seconds());
            rate.add(leased.jobs() / b.seconds());
            b.score(p99, Math.abs(leased.jobs() - pending));
            if (pending != leased.jobs()) {
                ctx.report.note(
                        "Sweep: " + pending + " of " + leased.jobs() + " requeued jobs are pending afterwards.");
            }
            if (b.startedEarly()) {
                ctx.report.note("Sweep: the requeue had already begun when the reads started.");
            }
            Ctx.log(
                    "sweep: %d leases requeued in %.1f s (%.0f/s), %d pending after; %s",
                    leased.jobs(), b.seconds(), leased.jobs() / b.seconds(), pending, b.reads());
        }
        p99.note = "one run: " + n + " running jobs of one client, held by a miner that never calls again, are "
                + "seeded with the other bulk rows; their leases run out together ("
                + "on Derby one lease period, 60 s, after the server's start, which extends them; 20 s after the "
                + "seeding on PostgreSQL). The sweeper (every 5 s, at most aitbc.sweep.per.second = 1,000 jobs a second as shipped) "
                + "requeues them; from the first to the last requeue is seen through GET /v1/jobs?status=running"
                + "&limit=1 (its total, every 100 ms). Reads of completed jobs run open loop at "
                + (int) s.purgeReadRate() + " req/s; the baseline is the same reads for "
                + s.purgeBaseline().toSeconds() + " s after. Every job must end pending (attempt 2).";
    }

    /** The client's jobs in a status (the list's total). */
    private static long count(RawHttp http, String[] headers, String status) throws IOException {
        RawHttp.Res r = http.send("GET", "/v1/jobs?status=" + status + "&limit=1", headers, null);
        if (r.status() != 200) {
            throw new IllegalStateException("list answered " + r.status() + ": " + Api.clip(r.text()));
        }
        JsonObject page = Api.json(r);
        return page.getJsonNumber("total").longValue();
    }
}
