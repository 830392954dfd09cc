package org.aitbc.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The benchmark harness: {@code bench/run.sh [--smoke] [--url URL --admin-key KEY]}.
 *
 * <p>Without {@code --url} it creates and starts its own server ({@link BenchServer}: this
 * build, embedded Derby in a fresh folder, port 9381), loads it from this process over loopback,
 * stops it and writes docs/BENCHMARKS.md (smoke runs write target/bench/BENCHMARKS-smoke.md).
 * With {@code --url} it loads a server that is already running, creating its own accounts with
 * the admin key; what needs the database itself (bulk seeding, the purge) is done through the API
 * or reported as not measured. The figures also go to target/bench/results.json.
 */
public final class Bench {
    static final List<String> SCENARIOS = List.of(
            "lifecycle", "steps", "ws", "reads", "submit", "transfer", "logs", "webhooks", "sweep", "purge", "history");

    private Bench() {}

    public static void main(String[] args) {
        try {
            run(args);
            System.exit(0);
        } catch (UsageException e) {
            System.err.println(e.getMessage());
            System.exit(2);
        } catch (Exception e) {
            e.printStackTrace();
            System.exit(1);
        }
    }

    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    private static final String USAGE = """
            usage: bench/run.sh [--smoke] [--url URL --admin-key KEY] [--out FILE] [--only a,b,...] [--runs N] [--jfr]
              --smoke          everything scaled down (a few hundred jobs, 1 MiB, one run): well under a minute
              --url URL        load a running server instead of starting one (needs --admin-key)
              --admin-key KEY  that server's AITBC_ADMIN_KEY (creates the harness's own accounts)
              --out FILE       the report (default docs/BENCHMARKS.md; target/bench/BENCHMARKS-<mode>.md for
                               smoke runs and --url runs)
              --only LIST      only these scenarios: lifecycle,steps,ws,reads,submit,transfer,logs,webhooks,sweep,
                               purge,history (into docs/BENCHMARKS.md: only their own section is replaced)
              --runs N         runs per figure (default 3, smoke 1)
              --history-jobs N, --purge-jobs N   other sizes for the history and the purge
              --jfr            record the bench server with Java Flight Recorder (target/bench/server.jfr)
              --derby-no-sync  diagnostic: run the bench server with derby.system.durability=test (no fsync at
                               commit, not crash-safe) to see what synchronous commits cost
              --compare OLD    also print each figure beside the same figure of an earlier run's results.json
                               (and write target/bench/compare.md)
              --port N         the HTTP port of the harness's own server (default 9381; HTTPS is N + 360),
                               so that two checkouts can measure at once
              --db KIND        derby (default: embedded, in target/bench/db) or postgres: a PostgreSQL of the
                               harness's own (fresh, under /tmp, stopped at the end) for its server; the report
                               goes to docs/BENCHMARKS-postgres.md
              --pg-port N      that PostgreSQL's port (default 55381)
              --project DIR    the project folder (default: the current one)""";

    /**
     * Runs the harness; answers the path of results.json. Used by bench/run.sh (through
     * {@link #main}) and by the smoke test.
     */
    public static Path run(String... args) throws Exception {
        URI url = null;
        String adminKey = null;
        boolean smoke = false;
        boolean jfr = false;
        boolean noSync = false;
        Path out = null;
        Path compare = null;
        Integer runs = null;
        Integer historyJobs = null;
        Integer purgeJobs = null;
        int port = 9381;
        String db = "derby";
        int pgPort = 55381;
        Path project = Path.of(".").toAbsolutePath().normalize();
        Set<String> only = new LinkedHashSet<>(SCENARIOS);
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--smoke" -> smoke = true;
                case "--jfr" -> jfr = true;
                case "--derby-no-sync" -> noSync = true;
                case "--url" -> url = URI.create(value(args, ++i, a).replaceAll("/+$", ""));
                case "--admin-key" -> adminKey = value(args, ++i, a);
                case "--out" -> out = Path.of(value(args, ++i, a));
                case "--runs" -> runs = Integer.parseInt(value(args, ++i, a));
                case "--history-jobs" -> historyJobs = Integer.parseInt(value(args, ++i, a));
                case "--purge-jobs" -> purgeJobs = Integer.parseInt(value(args, ++i, a));
                case "--compare" -> compare = Path.of(value(args, ++i, a));
                case "--port" -> port = Integer.parseInt(value(args, ++i, a));
                case "--db" -> db = value(args, ++i, a);
                case "--pg-port" -> pgPort = Integer.parseInt(value(args, ++i, a));
                case "--project" ->
                    project = Path.of(value(args, ++i, a)).toAbsolutePath().normalize();
                case "--only" -> {
                    only = new LinkedHashSet<>(Arrays.asList(value(args, ++i, a).split(",")));
                    for (String s : only) {
                        if (!SCENARIOS.contains(s)) {
                            throw new UsageException("unknown scenario " + s + "\n" + USAGE);
                        }
                    }
                }
                case "-h", "--help" -> throw new UsageException(USAGE);
                default -> throw new UsageException("unknown option " + a + "\n" + USAGE);
            }
        }
        if (!db.equals("derby") && !db.equals("postgres")) {
            throw new UsageException("--db is derby or postgres\n" + USAGE);
        }
        if (url != null && adminKey == null) {
            throw new UsageException("--url needs --admin-key\n" + USAGE);
        }
        Ctx.Scale scale = smoke ? Ctx.Scale.smokeScale() : Ctx.Scale.fullScale();
        scale = with(
                scale,
                runs == null ? scale.runs() : runs,
                historyJobs == null ? scale.historyJobs() : historyJobs,
                purgeJobs == null ? scale.purgeJobs() : purgeJobs);
        Path work = project.resolve("target/bench");
        Files.createDirectories(work);
        boolean pg = url == null && db.equals("postgres");
        String mode = (smoke ? "smoke" : "full") + (url == null ? "" : "-url") + (pg ? "-postgres" : "");
        if (out == null) {
            out = !smoke && url == null
                    ? project.resolve(pg ? "docs/BENCHMARKS-postgres.md" : "docs/BENCHMARKS.md")
                    : work.resolve("BENCHMARKS-" + mode + ".md");
        }
        Report report = new Report();
        BenchServer server = null;
        Probe probe;
        long t0 = System.nanoTime();
        String loadStart = loadAverage();
        if (url == null) {
            server = new BenchServer(project, work, port, port + 360);
            server.setEnv("AITBC_LEASE_SECONDS", Long.toString(scale.leaseMs() / 1000));
            Ctx.log(
                    "creating and starting %s on %s (database %s)",
                    BenchServer.NAME, server.url(), pg ? "PostgreSQL on port " + pgPort : server.db);
            if (pg) {
                server.postgres = new BenchPostgres(pgPort, work);
                Ctx.log("starting PostgreSQL on 127.0.0.1:%d", pgPort);
                server.postgres.start();
            }
            server.create();
            if (noSync) {
                // Diagnostic only: Derby stops forcing its log to disk at each commit (not crash-safe).
                server.addJvmOption("-Dderby.system.durability=test");
                report.note(
                        "Diagnostic run: the server ran with -Dderby.system.durability=test (no log sync at commit, "
                                + "not crash-safe): these figures show what the synchronous commit costs, not the product.");
            }
            if (jfr) {
                // The recording's stacks reach the resource method: the default 64 frames end
                // inside EclipseLink and Derby, below the request that called them.
                server.addJvmOption("-XX:FlightRecorderOptions:stackdepth=256");
            }
            server.start();
            url = server.url();
            adminKey = BenchServer.ADMIN_KEY;
            BenchServer own = server;
            probe = new Probe(url, own::pid);
            if (jfr) {
                Ctx.log("%s", probe.jcmd("JFR.start", "name=bench", "settings=profile"));
            }
        } else {
            Long pid = Probe.pidListeningOn(url.getPort() < 0 ? 80 : url.getPort());
            probe = new Probe(url, () -> pid);
        }
        Ctx ctx = new Ctx(url, adminKey, scale, report, probe, server, work);
        machine(ctx, mode, loadStart, otherJavaProcesses(probe.pid()));
        try {
            Throughput throughput = new Throughput(ctx);
            if (only.contains("lifecycle")) {
                Ctx.log("== whole lifecycles");
                throughput.lifecycles();
            }
            if (only.contains("steps")) {
                Ctx.log("== lifecycle steps one at a time");
                throughput.steps();
            }
            if (only.contains("ws")) {
                Ctx.log("== WebSocket feed");
                new Feed(ctx).run();
            }
            if (only.contains("reads")) {
                Ctx.log("== job reads at a constant rate");
                throughput.reads();
            }
            if (only.contains("submit")) {
                Ctx.log("== submissions");
                throughput.submissions();
                throughput.commitLimit();
            }
            if (only.contains("transfer")) {
                Ctx.log("== large result");
                new Transfer(ctx).run();
            }
            if (only.contains("logs")) {
                Ctx.log("== live logs");
                new Logs(ctx).run();
            }
            if (only.contains("webhooks")) {
                Ctx.log("== webhook deliveries");
                new Webhooks(ctx).run();
            }
            // The seeded scenarios share one seeding (one restart on Derby), then run in the order their
            // timers come due: the leases run out, then the results expire, then the history is read.
            History history = new History(ctx);
            boolean sweep = only.contains("sweep");
            boolean purge = only.contains("purge");
            boolean hist = only.contains("history");
            if (sweep || purge || hist) {
                List<String[]> readers = throughput.sample(Math.min(1000, scale.readJobs()));
                Ctx.log("== seeding (history, expiring results, lost leases)");
                history.seed(hist, purge, sweep);
                if (sweep) {
                    Ctx.log("== sweeper requeueing lost leases");
                    new Background(ctx).sweep(history.leased(), readers);
                }
                if (purge) {
                    Ctx.log("== retention purge");
                    history.purge(readers);
                }
                if (hist) {
                    Ctx.log("== large history");
                    history.history(readers);
                }
            }
        } finally {
            if (server != null) {
                if (jfr) {
                    Ctx.log("%s", probe.jcmd("JFR.dump", "name=bench", "filename=" + work.resolve("server.jfr")));
                }
                report.machine.put("Server heap (used / RSS) at the end", heapLine(probe));
                Ctx.log("stopping %s", BenchServer.NAME);
                server.stop();
                if (server.postgres != null) {
                    server.postgres.stop();
                }
            }
        }
        long minutes = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
        report.machine.put("Load average (1/5/15 min) at start → end", loadStart + " → " + loadAverage());
        report.machine.put("Duration of this run", minutes / 60 + " min " + minutes % 60 + " s");
        Ctx.log("this run took %d min %d s", minutes / 60, minutes % 60);
        String findings = null;
        Path findingsFile = project.resolve("bench/FINDINGS.md");
        if (Files.exists(findingsFile)) {
            findings = Files.readString(findingsFile, StandardCharsets.UTF_8);
        }
        Path json = work.resolve("results" + (mode.equals("full") ? "" : "-" + mode) + ".json");
        boolean some = !only.equals(new LinkedHashSet<>(SCENARIOS));
        if (some && mode.equals("full") && out.equals(project.resolve("docs/BENCHMARKS.md"))) {
            // Some scenarios only: their own section of the file, the other scenarios' figures untouched.
            String key = String.join(",", only);
            json = work.resolve("results-" + key.replace(',', '-') + ".json");
            report.writeSection(out, json, key, "Scenarios " + key + " (run on their own)", intro(ctx, mode));
        } else {
            report.write(out, json, "Benchmarks", intro(ctx, mode), findings);
        }
        Ctx.log("wrote %s and %s", out, json);
        if (compare != null) {
            String table = Compare.table(Files.readString(compare), report);
            System.out.println(table);
            Files.writeString(work.resolve("compare.md"), table);
            Ctx.log("wrote %s", work.resolve("compare.md"));
        }
        return json;
    }

    private static Ctx.Scale with(Ctx.Scale s, int runs, int historyJobs, int purgeJobs) {
        return new Ctx.Scale(
                s.smoke(),
                runs,
                s.warmup(),
                s.measure(),
                s.submitThreads(),
                s.lifecycleJobs(),
                s.lifecycleWarmupJobs(),
                s.miners(),
                s.clients(),
                s.readRate(),
                s.readConnections(),
                s.readJobs(),
                s.wsSubscribers(),
                s.wsPerAccount(),
                s.wsRate(),
                s.wsMeasure(),
                s.fileBytes(),
                historyJobs,
                s.historySmallJobs(),
                s.historyDays(),
                s.historyRequests(),
                purgeJobs,
                s.purgeReadRate(),
                s.purgeBaseline());
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new UsageException(option + " needs a value\n" + USAGE);
        }
        return args[i];
    }

    private static String intro(Ctx ctx, String mode) {
        return "Written by `bench/run.sh" + (mode.startsWith("smoke") ? " --smoke" : "") + "` on "
                + Instant.now().truncatedTo(ChronoUnit.SECONDS) + " ("
                + (ctx.server == null
                        ? "against the running server at " + ctx.base
                        : "its own server `" + BenchServer.NAME + "` from this build: "
                                + (ctx.server.postgres != null
                                        ? "a fresh PostgreSQL of the harness's own on port " + ctx.server.postgres.port
                                        : "embedded Derby in a fresh target/bench/db")
                                + ", development mode off, rate limits lifted, port " + ctx.server.port)
                + "). The load "
                + "runs in the harness's own JVM, over loopback, on the same machine as the server. Every figure is "
                + "the median of " + ctx.scale.runs() + " run" + (ctx.scale.runs() == 1 ? "" : "s")
                + (ctx.scale.runs() > 1 ? ", with min and max," : "") + " beside a baseline measured in the same run. "
                + "Latencies come from HdrHistogram; the load's HTTP client is a small blocking HTTP/1.1 client of "
                + "the harness (one keep-alive connection per thread), the WebSocket and large-file clients are "
                + "java.net.http.";
    }

    private static void machine(Ctx ctx, String mode, String load, int others) {
        var m = ctx.report.machine;
        m.put("Mode", mode + (ctx.server == null ? " (URL " + ctx.base + ")" : " (own server)"));
        m.put("CPU", Runtime.getRuntime().availableProcessors() + " cores, " + cpuModel());
        m.put("Memory", memTotal());
        m.put(
                "OS",
                System.getProperty("os.name") + " " + System.getProperty("os.version") + " "
                        + System.getProperty("os.arch"));
        m.put(
                "Load generator JVM",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
        List<String> cmd = ctx.probe.commandLine();
        if (!cmd.isEmpty()) {
            m.put("Server JVM", cmd.get(0) + " (" + serverJavaVersion(cmd.get(0)) + ")");
            m.put(
                    "Server heap settings",
                    cmd.stream()
                            .filter(a -> a.startsWith("-Xm") || a.startsWith("-XX:+Use") || a.startsWith("-XX:MaxRAM"))
                            .distinct()
                            .collect(Collectors.joining(" ")));
            m.put("Server heap (used / RSS) at the start", heapLine(ctx.probe));
        } else {
            m.put("Server JVM", "not on this machine, or not found from its port");
        }
        m.put(
                "Database",
                ctx.server == null
                        ? "whatever the server at the URL uses"
                        : ctx.server.postgres != null
                                ? ctx.server.postgres.version() + ", the harness's own, one server, default settings"
                                : "embedded Derby 10.16 (default)");
        m.put("Commit", git(ctx.server == null ? Path.of(".") : ctx.server.project));
        m.put(
                "Other work on the machine",
                others == 0
                        ? "no other Java processes at the start"
                        : others
                                + " other Java processes were running at the start (other engineers' builds and tests: the "
                                + "machine was shared, figures are lower and noisier than on an idle machine)");
    }

    private static String heapLine(Probe probe) {
        try {
            long rss = probe.rss();
            return Report.num(probe.usedHeap() / 1e6) + " MB used heap / "
                    + (rss < 0 ? "n/a" : Report.num(rss / 1e6) + " MB RSS");
        } catch (RuntimeException e) {
            return "n/a";
        }
    }

    private static String cpuModel() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
            return lines.filter(l -> l.startsWith("model name"))
                    .findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .orElse("unknown model");
        } catch (IOException e) {
            return "unknown model";
        }
    }

    private static String memTotal() {
        try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
            return lines.filter(l -> l.startsWith("MemTotal"))
                    .findFirst()
                    .map(l -> String.format(
                            java.util.Locale.ROOT, "%.1f GiB", Long.parseLong(l.replaceAll("\\D+", "")) / 1048576.0))
                    .orElse("unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }

    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " / " + f[1] + " / " + f[2];
        } catch (IOException e) {
            return "n/a";
        }
    }

    /** Java processes other than this one (and the server, when known). */
    static int otherJavaProcesses(Long serverPid) {
        long self = ProcessHandle.current().pid();
        return (int) ProcessHandle.allProcesses()
                .filter(p -> p.pid() != self && (serverPid == null || p.pid() != serverPid))
                .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false))
                .count();
    }

    private static String serverJavaVersion(String java) {
        try {
            Process p = new ProcessBuilder(java, "-version")
                    .redirectErrorStream(true)
                    .start();
            String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            p.waitFor(20, TimeUnit.SECONDS);
            List<String> lines = new ArrayList<>(outText.lines().toList());
            return lines.isEmpty() ? "?" : String.join("; ", lines.subList(0, Math.min(2, lines.size())));
        } catch (IOException | InterruptedException e) {
            return "?";
        }
    }

    private static String git(Path dir) {
        try {
            Process p = new ProcessBuilder("git", "-C", dir.toString(), "rev-parse", "--short", "HEAD")
                    .redirectErrorStream(true)
                    .start();
            String outText = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(10, TimeUnit.SECONDS);
            return p.exitValue() == 0 ? outText : "unknown";
        } catch (IOException | InterruptedException e) {
            return "unknown";
        }
    }
}
