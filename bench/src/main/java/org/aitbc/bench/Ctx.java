package org.aitbc.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

/** What every scenario needs: where the server is, how big to make things, and the report. */
final class Ctx {
    /** Sizes of a full run and of a smoke run (a few hundred jobs, 1 MiB, one run, seconds each). */
    record Scale(
            boolean smoke,
            int runs,
            Duration warmup,
            Duration measure,
            int submitThreads,
            int lifecycleJobs,
            int lifecycleWarmupJobs,
            int miners,
            int clients,
            double readRate,
            int readConnections,
            int readJobs,
            int wsSubscribers,
            int wsPerAccount,
            double wsRate,
            Duration wsMeasure,
            long fileBytes,
            int historyJobs,
            int historySmallJobs,
            int historyDays,
            int historyRequests,
            int purgeJobs,
            double purgeReadRate,
            Duration purgeBaseline) {

        /**
         * The bench server's lease period. The smoke run's is short: the sweeper scenario waits for
         * the seeded leases to run out, and on Derby a start gives each of them one full period.
         */
        long leaseMs() {
            return smoke ? 30_000 : 60_000;
        }

        static Scale fullScale() {
            return new Scale(
                    false,
                    3,
                    Duration.ofSeconds(3),
                    Duration.ofSeconds(8),
                    16,
                    2400,
                    600,
                    16,
                    4,
                    1000,
                    64,
                    1000,
                    1000,
                    10,
                    200,
                    Duration.ofSeconds(10),
                    1L << 30,
                    1_000_000,
                    1_000,
                    100,
                    200,
                    100_000,
                    200,
                    Duration.ofSeconds(10));
        }

        static Scale smokeScale() {
            return new Scale(
                    true,
                    1,
                    Duration.ofMillis(500),
                    Duration.ofSeconds(2),
                    16,
                    200,
                    40,
                    16,
                    4,
                    200,
                    16,
                    100,
                    50,
                    10,
                    100,
                    Duration.ofSeconds(2),
                    1L << 20,
                    300,
                    30,
                    100,
                    30,
                    100,
                    100,
                    Duration.ofSeconds(2));
        }
    }

    final URI base;
    final String adminKey;
    final Scale scale;
    final Report report;
    final Probe probe;
    /** The server the harness started, or null when it targets a URL. */
    final BenchServer server;

    final Path work;
    /** Marks this run's jobs and miners: only its miners take its jobs, even on a shared server. */
    final String runTag = UUID.randomUUID().toString().substring(0, 8);

    Ctx(URI base, String adminKey, Scale scale, Report report, Probe probe, BenchServer server, Path work) {
        this.base = base;
        this.adminKey = adminKey;
        this.scale = scale;
        this.report = report;
        this.probe = probe;
        this.server = server;
        this.work = work;
    }

    /** A model and region of their own for one scenario's jobs. */
    Api.Tag tag(String scenario) {
        return new Api.Tag("bench-" + runTag, "bench-" + runTag + "-" + scenario);
    }

    Api api() {
        return new Api(base);
    }

    private static final long STARTED = System.nanoTime();

    /** A line of the run's log, with the seconds since the harness started (where a run's time goes). */
    static void log(String fmt, Object... args) {
        long secs = (System.nanoTime() - STARTED) / 1_000_000_000L;
        System.out.printf("[bench %d:%02d] " + fmt + "%n", prepend(secs / 60, secs % 60, args));
        System.out.flush();
    }

    private static Object[] prepend(long minutes, long seconds, Object[] args) {
        Object[] all = new Object[args.length + 2];
        all[0] = minutes;
        all[1] = seconds;
        System.arraycopy(args, 0, all, 2, args.length);
        return all;
    }
}
