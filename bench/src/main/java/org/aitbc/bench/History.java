package org.aitbc.bench;

import jakarta.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.aitbc.coordinator.domain.Days;

/**
 * A large history (listing, a deep page, statistics, CSV export) and the retention purge. With its
 * own server the harness seeds the database in bulk with the server stopped ({@link Seeder});
 * against a URL it can only submit through the API (the batch route), at smoke scale, and the
 * purge, which needs results already past their retention, is not measured there.
 */
final class History {
    private static final double MB = 1_000_000.0;
    private final Ctx ctx;
    private final Ctx.Scale s;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(20))
            .build();
    /** How long the last server start took: the purge's results expire comfortably after it. */
    private long startupMs = 20_000;

    History(Ctx ctx) {
        this.ctx = ctx;
        this.s = ctx.scale;
    }

    private record Client(Api.Account account, int jobs, String deepCursor, String status, String days) {}

    static String cursor(long createdMs, String id) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((createdMs + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    private void restart(Runnable whileStopped) throws IOException {
        ctx.server.stop();
        whileStopped.run();
        long t0 = System.currentTimeMillis();
        ctx.server.start();
        startupMs = System.currentTimeMillis() - t0;
        Ctx.log("server restarted in %.1f s", startupMs / 1000.0);
    }

    /** The running jobs seeded for the sweeper: whose they are, how many, when their leases run out. */
    record Leased(Api.Account owner, int jobs, long expiresAtMs) {}

    private Client bigClient;
    private Seeder.History seededBig;
    private Client smallClient;
    private Seeder.Expired expired;
    private Api.Account purgeOwner;
    private Leased leased;

    Leased leased() {
        return leased;
    }

    /** Jobs the sweeper scenario seeds: 10,000 as the issue asks (100 at smoke scale). */
    private int sweepJobs() {
        return s.smoke() ? 100 : 10_000;
    }

    /**
     * Seeds what the history, purge and sweep scenarios need in one go: on embedded Derby with one
     * stop and start of the server (Derby's bulk import, {@link Seeder}), on PostgreSQL while it
     * runs (COPY). Afterwards, in order: the seeded leases run out (a lease period, 60 s, after
     * the start, which extends them), the seeded results expire (45 s later, after the sweep's
     * reads), and the history is there to be read.
     */
    void seed(boolean history, boolean purge, boolean sweep) throws Exception {
        Api.Account big;
        Api.Account small;
        Api.Account sweepOwner;
        try (Api api = ctx.api()) {
            big = api.account(ctx.adminKey, "client", "pro", "bench-history");
            small = api.account(ctx.adminKey, "client", "pro", "bench-history-small");
            purgeOwner = api.account(ctx.adminKey, "client", "pro", "bench-purge");
            sweepOwner = api.account(ctx.adminKey, "client", "pro", "bench-sweep");
        }
        int deep = s.historyJobs() / 2;
        if (ctx.server == null) {
            if (history) {
                bigClient = submitted(big, s.historyJobs());
                smallClient = submitted(small, s.historySmallJobs());
            }
            return;
        }
        boolean pg = ctx.server.postgres != null;
        startupMs = Math.max(startupMs, ctx.server.lastStartMs);
        Seeder.History[] seeded = new Seeder.History[2];
        long t0 = System.currentTimeMillis();
        long[] purgeAt = new long[1];
        long[] leaseAt = new long[1];
        String[] what = new String[1];
        Runnable work = () -> {
            try (Seeder seeder = pg
                    ? new Seeder(ctx.server.postgres.jdbcUrl(), BenchPostgres.USER, BenchPostgres.PASSWORD, ctx.work)
                    : new Seeder(ctx.server.db)) {
                long now = System.currentTimeMillis();
                StringBuilder done = new StringBuilder();
                if (history) {
                    seeded[0] =
                            seeder.history(big.id(), "PRO", "gpt2", s.historyJobs(), s.historyDays(), 30, now, deep);
                    seeded[1] = seeder.history(
                            small.id(),
                            "PRO",
                            "gpt2",
                            s.historySmallJobs(),
                            s.historyDays(),
                            30,
                            now,
                            s.historySmallJobs() / 2);
                    done.append(s.historyJobs())
                            .append(" + ")
                            .append(s.historySmallJobs())
                            .append(" history jobs, ");
                }
                long far = now + Days.toMs(10L * 365);
                if (purge) {
                    // Seeded to expire in ten years, then moved, once seeded, to expire after the sweep.
                    expired = seeder.expired(
                            ctx.server.results, purgeOwner.id(), "PRO", "gpt2", s.purgeJobs(), now - Days.MS, far);
                    done.append(s.purgeJobs()).append(" expiring results (files too), ");
                }
                List<String> ids = List.of();
                if (sweep) {
                    // Their model and region are nobody's: no miner of the other scenarios takes them afterwards.
                    ids = seeder.leased(
                            sweepOwner.id(), "PRO", "bench-sweep-" + ctx.runTag, "bench-lost-miner", sweepJobs(), far);
                    done.append(sweepJobs()).append(" running jobs, ");
                }
                long end = System.currentTimeMillis();
                // On Derby the server's start gives every lease that would run out within a lease period
                // (60 s) that period, so that miners can renew: they run out together 60 s after the start.
                // The start is planned to take as long as the first one (a restart is faster: no first-time
                // caches), so the results expire no earlier than planned after the sweep.
                leaseAt[0] = pg ? end + 20_000 : end + startupMs + s.leaseMs();
                if (sweep) {
                    seeder.leaseUntil("bench-lost-miner", pg ? leaseAt[0] : end);
                }
                purgeAt[0] = leaseAt[0] + (sweep ? (s.smoke() ? 15_000 : 45_000) : 0);
                if (purge) {
                    seeder.expireFrom(far, purgeAt[0]);
                    expired = new Seeder.Expired(
                            expired.jobs(),
                            expired.firstId(),
                            expired.lastId(),
                            purgeAt[0],
                            purgeAt[0] + expired.jobs() - 1,
                            expired.ids());
                }
                seeder.updateStatistics("JOB");
                seeder.updateStatistics("DAILY_STATS");
                what[0] = done.append("in ")
                        .append((System.currentTimeMillis() - t0) / 1000)
                        .append(" s (")
                        .append(Math.round(seeder.loadSeconds))
                        .append(" s of it loading the CSV files)")
                        .toString();
                Ctx.log("seeded %s", what[0]);
            } catch (Exception e) {
                throw new IllegalStateException("seeding failed", e);
            }
        };
        if (pg) {
            work.run();
        } else {
            restart(work);
        }
        if (!pg) {
            leaseAt[0] = System.currentTimeMillis() + s.leaseMs();
        }
        leased = sweep ? new Leased(sweepOwner, sweepJobs(), leaseAt[0]) : null;
        ctx.report.note("Seeding: " + what[0] + ", written as CSV files and loaded with "
                + (pg
                        ? "PostgreSQL's COPY while the server ran"
                        : "Derby's SYSCS_UTIL.SYSCS_IMPORT_DATA into the stopped server's database, then one start")
                + "; index statistics refreshed. All seeded scenarios share this one seeding.");
        if (history) {
            seededBig = seeded[0];
            bigClient = new Client(
                    big, s.historyJobs(), cursor(seeded[0].deepCreatedMs(), seeded[0].deepId()), "completed", "30");
            smallClient = new Client(
                    small,
                    s.historySmallJobs(),
                    cursor(seeded[1].deepCreatedMs(), seeded[1].deepId()),
                    "completed",
                    "30");
        }
    }

    void history(List<String[]> readJobs) throws Exception {
        String n = String.format(java.util.Locale.ROOT, "%,d", s.historyJobs());
        String section = n + " jobs in the database";
        int deep = s.historyJobs() / 2;
        Report.Figure list50 = ctx.report
                .figure("list_p50", section, "First page, status + days filter, p50", "ms")
                .baseline("same, client with " + s.historySmallJobs() + " jobs");
        Report.Figure list99 = ctx.report
                .figure("list_p99", section, "First page, status + days filter, p99", "ms")
                .baseline("same, client with " + s.historySmallJobs() + " jobs")
                .target("< 50 ms", Report.Check.AT_MOST, 50);
        Report.Figure deep99 = ctx.report
                .figure(
                        "deep_p99",
                        section,
                        "Deep page by cursor (row " + String.format(java.util.Locale.ROOT, "%,d", deep) + "), p99",
                        "ms")
                .baseline("same, client with " + s.historySmallJobs() + " jobs (middle row)");
        Report.Figure stats99 = ctx.report
                .figure("stats_p99", section, "GET /v1/jobs/stats, p99", "ms")
                .baseline("same, client with " + s.historySmallJobs() + " jobs")
                .target("< 100 ms", Report.Check.AT_MOST, 100);
        Report.Figure export = ctx.report
                .figure("export_seconds", section, "CSV export of all " + n + " rows", "s")
                .baseline("rows/s of the " + s.historySmallJobs() + "-job export, scaled to " + n + " rows");
        Report.Figure exportHeap = ctx.report
                .figure("export_heap_growth", section, "Server live heap growth during the " + "export", "MB")
                .baseline("live heap before")
                .target("< 64 MB", Report.Check.AT_MOST, 64);
        Report.Figure exportReads = ctx.report
                .figure(
                        "export_read_p99",
                        section,
                        "GET /v1/jobs/{id} p99 at " + (int) s.purgeReadRate() + " req/s during the export",
                        "ms")
                .baseline("same reads after the export")
                .target("≤ 1.5 × baseline", Report.Check.RATIO_AT_MOST, 1.5);
        String filter = "status=" + bigClient.status() + "&days=" + bigClient.days() + "&limit=20";
        int requests = s.historyRequests();
        for (int run = 1; run <= s.runs(); run++) {
            Histogram lb = sequential(bigClient, "/v1/jobs?" + filter, requests);
            Histogram ls = sequential(smallClient, "/v1/jobs?" + filter, requests);
            Histogram db = sequential(bigClient, "/v1/jobs?limit=20&cursor=" + bigClient.deepCursor(), requests);
            Histogram ds = sequential(smallClient, "/v1/jobs?limit=20&cursor=" + smallClient.deepCursor(), requests);
            Histogram sb = sequential(bigClient, "/v1/jobs/stats", requests);
            Histogram ss = sequential(smallClient, "/v1/jobs/stats", requests);
            list50.add(ms(lb, 50));
            list99.add(ms(lb, 99));
            list50.addBaseline(ms(ls, 50));
            list99.addBaseline(ms(ls, 99));
            deep99.add(ms(db, 99));
            deep99.addBaseline(ms(ds, 99));
            stats99.add(ms(sb, 99));
            stats99.addBaseline(ms(ss, 99));
            Ctx.log(
                    "history run %d: list p50 %.1f p99 %.1f ms (small %.1f); deep p99 %.1f ms (small %.1f); stats p99 "
                            + "%.1f ms (small %.1f)",
                    run, ms(lb, 50), ms(lb, 99), ms(ls, 99), ms(db, 99), ms(ds, 99), ms(sb, 99), ms(ss, 99));
        }
        if (seededBig != null) {
            // The list's total (counted from the daily counters and the edge day's index range) against the
            // seeded rows: the completed jobs submitted in the last 30 days, as the server's clock has it.
            try (RawHttp raw = new RawHttp(ctx.base)) {
                long before = System.currentTimeMillis();
                RawHttp.Res r = raw.send(
                        "GET",
                        "/v1/jobs?" + filter,
                        new String[] {"X-Api-Key: " + bigClient.account().key()},
                        null);
                long after = System.currentTimeMillis();
                long total = Api.json(r).getJsonNumber("total").longValue();
                long most = seededBig.completedSince(before - Days.toMs(30));
                long least = seededBig.completedSince(after - Days.toMs(30));
                if (total < least || total > most) {
                    list99.errors++;
                    ctx.report.note("List total: " + total + " completed jobs in the last 30 days, the seeded rows say "
                            + least + (least == most ? "" : "–" + most) + ".");
                }
                Ctx.log("list total %d (seeded: %d–%d)", total, least, most);
            }
        }
        // The export of the whole history once (a minute or more at 1,000,000 rows), with reads beside it.
        double smallSecs = export(smallClient, null);
        long before = ctx.probe.liveHeap();
        double[] secs = new double[1];
        long peak;
        long peakUsed;
        Background.Beside beside;
        try (Probe.HeapWatch w = ctx.probe.watch(s.smoke() ? 500 : 5_000)) {
            java.util.concurrent.CompletableFuture<Double> running = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.atomic.AtomicBoolean go = new java.util.concurrent.atomic.AtomicBoolean();
            Thread exporter = new Thread(
                    () -> {
                        while (!go.get()) {
                            Thread.onSpinWait();
                        }
                        try {
                            running.complete(export(bigClient, export));
                        } catch (Exception e) {
                            running.completeExceptionally(e);
                        }
                    },
                    "bench-export");
            exporter.start();
            beside = Background.beside(
                    ctx,
                    readJobs,
                    () -> {
                        go.set(true);
                        return true;
                    },
                    running::isDone,
                    1_800_000L);
            secs[0] = running.get();
            peak = w.peakLive();
            peakUsed = w.peakUsed();
        }
        long after = ctx.probe.liveHeap();
        export.add(secs[0]);
        export.addBaseline(smallSecs * bigClient.jobs() / smallClient.jobs());
        beside.score(exportReads, 0);
        if (before > 0) {
            exportHeap.add((Math.max(peak, after) - before) / MB);
            exportHeap.addBaseline(before / MB);
        } else {
            exportHeap.skipped = "the server's process is not on this machine (no forced collection possible)";
        }
        Ctx.log(
                "export %.1f s (%.0f rows/s), live heap %.0f → peak %.0f → %.0f MB, peak used %.0f MB; %s",
                secs[0], bigClient.jobs() / secs[0], before / MB, peak / MB, after / MB, peakUsed / MB, beside.reads());
        exportReads.note = "one export of all " + n + " rows (as below) while reads of completed jobs run open loop at "
                + (int) s.purgeReadRate() + " req/s beside it; the baseline is the same reads for "
                + s.purgeBaseline().toSeconds() + " s after it ended.";
        list99.note = requests + " requests one after another (one connection) per run for each of: GET /v1/jobs?"
                + filter + " (first page; the answer includes total, the count of all matching jobs); GET /v1/jobs?"
                + "limit=20&cursor=… starting at the middle row of the client's history; GET /v1/jobs/stats. Both "
                + "clients' jobs were submitted evenly over the last " + s.historyDays() + " days: 80 % completed, "
                + "12 % failed, 8 % canceled.";
        export.note =
                "one run: GET /v1/jobs/export?format=csv of all the client's rows, read by the client as a stream; every "
                        + "row is counted against the seeded number. Heap: used heap from /metrics right after jcmd GC.run, "
                        + "every few seconds during the export; growth = highest sample − the value before it.";
    }

    private static double ms(Histogram h, double p) {
        return h.getValueAtPercentile(p) / 1000.0;
    }

    /** Jobs submitted through the API's batch route (URL mode): pending, so the filter is status=pending. */
    private Client submitted(Api.Account who, int count) {
        Api.Tag tag = ctx.tag("history");
        try (Api api = ctx.api()) {
            for (int done = 0; done < count; ) {
                int batch = Math.min(1000, count - done);
                StringBuilder sb = new StringBuilder("[");
                for (int i = 0; i < batch; i++) {
                    sb.append(i == 0 ? "" : ",").append(Api.jobBody(tag, "history"));
                }
                api.expect(
                        201,
                        "POST",
                        "/v1/jobs/batch",
                        who.key(),
                        null,
                        sb.append(']').toString());
                done += batch;
            }
            // The cursor of the middle row: walk the list from the start, as a client would.
            String cursor = null;
            int seen = 0;
            while (seen < count / 2) {
                int limit = Math.min(1000, count / 2 - seen);
                JsonObject page = Api.json(api.expect(
                        200,
                        "GET",
                        "/v1/jobs?limit=" + limit + (cursor == null ? "" : "&cursor=" + cursor),
                        who.key(),
                        null,
                        null));
                seen += page.getJsonArray("jobs").size();
                cursor = page.getString("next_cursor");
            }
            ctx.report.note(
                    "History (URL mode): " + count + " jobs per client submitted through POST /v1/jobs/batch; they "
                            + "are pending, so the list filter is status=pending&days=1.");
            return new Client(who, count, cursor, "pending", "1");
        }
    }

    /** {@code n} requests one after another; latencies in µs. */
    private Histogram sequential(Client c, String path, int n) throws IOException {
        Histogram h = Load.histogram();
        String[] headers = {"X-Api-Key: " + c.account().key()};
        try (RawHttp raw = new RawHttp(ctx.base)) {
            for (int i = 0; i < n + 5; i++) {
                long t0 = System.nanoTime();
                RawHttp.Res r = raw.send("GET", path, headers, null);
                long us = (System.nanoTime() - t0) / 1000;
                if (r.status() != 200) {
                    throw new IllegalStateException(path + " answered " + r.status() + ": " + Api.clip(r.text()));
                }
                if (i >= 5) {
                    h.recordValue(Math.min(Load.MAX_MICROS, us));
                }
            }
        }
        return h;
    }

    /** Streams the client's whole CSV export; answers seconds, and checks the row count. */
    private double export(Client c, Report.Figure f) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(ctx.base + "/v1/jobs/export?format=csv"))
                .header("X-Api-Key", c.account().key())
                .timeout(Duration.ofMinutes(20))
                .GET()
                .build();
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        long lines = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        lines++;
                    }
                }
            }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        if (r.statusCode() != 200 || lines - 1 != c.jobs()) {
            String problem =
                    "export answered " + r.statusCode() + " with " + (lines - 1) + " rows, expected " + c.jobs();
            if (f == null) {
                throw new IllegalStateException(problem);
            }
            f.errors++;
            ctx.report.note(problem);
        }
        return secs;
    }

    // ---- the retention purge ----------------------------------------------------------------------

    void purge(List<String[]> readJobs) throws Exception {
        String n = String.format(java.util.Locale.ROOT, "%,d", s.purgeJobs());
        String section = "Retention purge of " + n + " expired results";
        Report.Figure secs = ctx.report.figure("purge_seconds", section, "Purge duration (first to last deleted)", "s");
        Report.Figure rate = ctx.report.figure("purge_rate", section, "Purge rate", "results/s");
        Report.Figure p99 = ctx.report
                .figure(
                        "purge_read_p99",
                        section,
                        "GET /v1/jobs/{id} p99 at " + (int) s.purgeReadRate() + " req/s during the purge",
                        "ms")
                .baseline("same reads after the purge")
                .target("≤ 1.5 × baseline", Report.Check.RATIO_AT_MOST, 1.5);
        if (ctx.server == null) {
            String why = "needs results already past their retention, which only bulk seeding of the harness's own "
                    + "server can make (run bench/run.sh without --url)";
            secs.skipped = why;
            rate.skipped = why;
            p99.skipped = why;
            return;
        }
        String[] ownerHeaders = {"X-Api-Key: " + purgeOwner.key()};
        Seeder.Expired seeded = expired;
        Ctx.log(
                "purge: %d results expire in %.1f s",
                seeded.jobs(), (seeded.firstExpiresMs() - System.currentTimeMillis()) / 1000.0);
        try (RawHttp watch = new RawHttp(ctx.base)) {
            Background.Beside b = Background.beside(
                    ctx,
                    readJobs,
                    () -> gone(watch, ownerHeaders, seeded.firstId()),
                    () -> gone(watch, ownerHeaders, seeded.lastId()),
                    Math.max(0, seeded.firstExpiresMs() - System.currentTimeMillis()) + 900_000L);
            long left = remaining(seeded);
            secs.add(b.seconds());
            rate.add(s.purgeJobs() / b.seconds());
            b.score(p99, left);
            if (b.startedEarly()) {
                ctx.report.note("Purge: the purge had already begun when the reads started.");
            }
            Ctx.log(
                    "purge: %d results in %.1f s (%.0f/s), %d result folders left; %s",
                    s.purgeJobs(), b.seconds(), s.purgeJobs() / b.seconds(), left, b.reads());
        }
        p99.note = "one run: " + n + " completed jobs whose results (output.json and result.txt "
                + "on disk, their RESULT_FILE rows, DAILY_STATS counters) expire after the sweep's reads are seeded "
                + "with the other bulk rows (retention timer every 2 s, batch size 100 as shipped, paced to 1,000 "
                + "results/s: five times the shipped aitbc.retention.per.second, so that the run fits in minutes and "
                + "readers feel more of it, not less). Reads of completed jobs run open loop at "
                + (int) s.purgeReadRate() + " req/s; the purge "
                + "runs from the first to the last seeded result found gone (checked every 100 ms through the API); "
                + "the baseline is the same reads for " + s.purgeBaseline().toSeconds() + " s after the purge. Every "
                + "seeded result folder must be gone afterwards.";
    }

    private static boolean gone(RawHttp http, String[] headers, String jobId) throws IOException {
        RawHttp.Res r = http.send("GET", "/v1/jobs/" + jobId, headers, null);
        return r.status() == 200 && r.text().contains("\"available\":false");
    }

    /** Result folders of the seeded jobs that still hold files. */
    private long remaining(Seeder.Expired e) {
        Path root = ctx.server.results;
        return e.ids().stream()
                .map(root::resolve)
                .filter(Files::isDirectory)
                .filter(History::hasFiles)
                .count();
    }

    private static boolean hasFiles(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.anyMatch(Files::isRegularFile);
        } catch (IOException e) {
            return true;
        }
    }
}
