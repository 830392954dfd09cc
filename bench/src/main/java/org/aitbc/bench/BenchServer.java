package org.aitbc.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The server the harness starts for itself, made from this build the way scripts/cluster.sh
 * makes its servers: {@code target/liberty/wlp/usr/servers/coordinator-bench} with the project's
 * server.xml, the liberty/ configuration folder (jvm.options: the heap the product ships with),
 * the war, its own server.env (development mode off, an admin key, rate limits lifted) and
 * bootstrap.properties (ports 9381/9741, a fresh embedded Derby database in target/bench/db, or
 * the harness's own PostgreSQL with {@code --db postgres}).
 */
final class BenchServer {
    static final String NAME = "coordinator-bench";
    static final String ADMIN_KEY = "bench-admin-key-7f3a9c2e4b1d8f60";

    final Path project;
    final Path wlp;
    final Path dir;
    final Path benchDir;
    final Path db;
    final Path results;
    final int port;
    final int httpsPort;
    private final Map<String, String> env = new LinkedHashMap<>();
    /** The PostgreSQL this server uses ({@code --db postgres}), or null for embedded Derby. */
    BenchPostgres postgres;

    BenchServer(Path project, Path benchDir, int port, int httpsPort) {
        this.project = project;
        this.wlp = project.resolve("target/liberty/wlp");
        this.dir = wlp.resolve("usr/servers/" + NAME);
        this.benchDir = benchDir;
        this.db = benchDir.resolve("db");
        this.results = benchDir.resolve("results");
        this.port = port;
        this.httpsPort = httpsPort;
        env.put("AITBC_DEV_MODE", "false");
        env.put("AITBC_ADMIN_KEY", ADMIN_KEY);
        for (String who : new String[] {"FREE", "PRO", "ENTERPRISE", "MINER", "ADMIN"}) {
            env.put("AITBC_RATE_" + who + "_PER_MINUTE", "100000000");
            env.put("AITBC_RATE_" + who + "_PER_HOUR", "1000000000");
        }
        env.put("AITBC_RESULTS_DIR", results.toString());
        // The purge scenario seeds results that expire while the harness watches: a short period, so
        // that the purge starts within 2 s of their expiry (the batch size stays the product's default).
        env.put("AITBC_RETENTION_SWEEP_INTERVAL_SECONDS", "2");
        // The webhook scenario's receiver listens in the harness, over plain http on loopback.
        env.put("AITBC_WEBHOOKS_ALLOWED_HOSTS", "127.0.0.1");
        // 100,000 results at the shipped 200/s would take 500 s of a 12-minute run: the bench purges at
        // 1,000/s, five times the pressure on the readers the shipped pace puts on them.
        env.put("AITBC_RETENTION_PER_SECOND", "1000");
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + port);
    }

    /** Creates the server afresh, with an empty database and result folder. */
    void create() throws IOException {
        Path war = project.resolve("target/aitbc-coordinator.war");
        // server.xml names usr:aitbcPathGuard-1.0, which the server module's package unpacks into usr/extension.
        if (!Files.isRegularFile(war)
                || !Files.isExecutable(wlp.resolve("bin/server"))
                || !Files.isRegularFile(wlp.resolve("usr/extension/lib/features/aitbcPathGuard-1.0.mf"))) {
            throw new IllegalStateException(
                    "no build: run mvn -DskipTests package liberty:create first (bench/run.sh does)");
        }
        if (isRunning()) {
            stop();
        }
        delete(dir);
        delete(db);
        delete(results);
        Files.createDirectories(dir.resolve("apps"));
        Files.createDirectories(results);
        Files.copy(project.resolve("server.xml"), dir.resolve("server.xml"));
        copyTree(project.resolve("liberty"), dir);
        Files.copy(war, dir.resolve("apps/aitbc-coordinator.war"), StandardCopyOption.REPLACE_EXISTING);
        StringBuilder e = new StringBuilder("# Written by the benchmark harness (bench/).\n");
        env.forEach((k, v) -> e.append(k).append('=').append(v).append('\n'));
        Files.writeString(dir.resolve("server.env"), e.toString());
        Files.writeString(
                dir.resolve("bootstrap.properties"),
                "# Written by the benchmark harness (bench/).\n" + "http.port=" + port + "\nhttps.port=" + httpsPort
                        + "\ndb.dir=" + db + "\n"
                        + (postgres == null
                                ? ""
                                : "db.kind=postgresql\ndb.url=" + postgres.jdbcUrl() + "\ndb.user=" + BenchPostgres.USER
                                        + "\ndb.password=" + BenchPostgres.PASSWORD + "\n"));
    }

    /** A setting of the server's own server.env, before {@link #create}. */
    void setEnv(String name, String value) {
        env.put(name, value);
    }

    /** Adds a line to the server's jvm.options (a diagnostic run; takes effect at the next start). */
    void addJvmOption(String option) throws IOException {
        Files.writeString(jvmOptions(), jvmOptionsText() + "\n" + option + "\n");
    }

    Path jvmOptions() {
        return dir.resolve("jvm.options");
    }

    /** How long the last start took, until ready (the seeded scenarios plan their timers with it). */
    long lastStartMs = 20_000;

    void start() throws IOException {
        long t0 = System.currentTimeMillis();
        run("start");
        waitReady(600);
        lastStartMs = System.currentTimeMillis() - t0;
    }

    void stop() throws IOException {
        if (isRunning()) {
            run("stop");
        }
    }

    boolean isRunning() {
        Long pid = pid();
        return pid != null && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    Long pid() {
        Path file = wlp.resolve("usr/servers/.pid/" + NAME + ".pid");
        try {
            return Files.exists(file) ? Long.parseLong(Files.readString(file).trim()) : null;
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }

    private void run(String action) throws IOException {
        Path log = benchDir.resolve("server-" + action + ".log");
        Process p = new ProcessBuilder(wlp.resolve("bin/server").toString(), action, NAME)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        try {
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroy();
                throw new IllegalStateException("server " + action + " did not finish in 300 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (p.exitValue() != 0 && !action.equals("stop")) {
            throw new IllegalStateException("server " + action + " failed: " + Files.readString(log));
        }
    }

    /** Waits for /health/ready: liberty's start returns before the application is up. */
    void waitReady(int seconds) {
        long until = System.currentTimeMillis() + seconds * 1000L;
        while (System.currentTimeMillis() < until) {
            try (RawHttp http = new RawHttp(url(), 5_000)) {
                if (http.send("GET", "/health/ready", null, null).status() == 200) {
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            }
            sleep(500);
        }
        throw new IllegalStateException(
                NAME + " not ready after " + seconds + " s; see " + dir.resolve("logs/messages.log"));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static void delete(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(p)) {
            walk.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.delete(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path src : (Iterable<Path>) walk::iterator) {
                Path dst = to.resolve(from.relativize(src).toString());
                if (Files.isDirectory(src)) {
                    Files.createDirectories(dst);
                } else if (!src.getFileName().toString().equals("server.env")) {
                    // liberty/server.env is the development server's (dev mode on): ours is written above.
                    Files.copy(src, dst, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    String jvmOptionsText() {
        try {
            return Files.readString(jvmOptions(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
