package org.aitbc.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The PostgreSQL of {@code bench/run.sh --db postgres}: a fresh data folder under /tmp (the
 * postgres user must be able to enter it when the harness runs as root), started on a port of its
 * own, loopback only, with a database and role for the coordinator, the way scripts/cluster.sh
 * starts the cluster's; stopped and deleted at the end of the run. Settings are PostgreSQL's
 * defaults (synchronous commit on): the figures are those of a plain installation.
 */
final class BenchPostgres {
    static final String DB = "aitbc";
    static final String USER = "aitbc";
    static final String PASSWORD = "aitbc-bench";

    final int port;
    private final Path log;
    private Path dir;
    private String bin;

    BenchPostgres(int port, Path work) {
        this.port = port;
        this.log = work.resolve("postgres-setup.log");
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DB;
    }

    String version() {
        try {
            return run(List.of(bin + "/postgres", "--version")).trim();
        } catch (IOException e) {
            return "PostgreSQL";
        }
    }

    void start() throws IOException {
        bin = findBin();
        dir = Files.createTempDirectory("aitbc-bench-pg");
        boolean root = "root".equals(System.getProperty("user.name"));
        Files.writeString(dir.resolve("pw"), PASSWORD + "\n");
        if (root) {
            run(List.of("chmod", "755", dir.toString()));
            run(List.of("chown", "-R", "postgres:postgres", dir.toString()));
        }
        run(asPg(
                root,
                bin + "/initdb",
                "-D",
                dir.resolve("data").toString(),
                "-U",
                "postgres",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--pwfile=" + dir.resolve("pw"),
                "-E",
                "UTF8",
                "--locale=C.UTF-8"));
        run(asPg(
                root,
                bin + "/pg_ctl",
                "-D",
                dir.resolve("data").toString(),
                "-l",
                dir.resolve("postgresql.log").toString(),
                "-w",
                "-t",
                "60",
                "-o",
                "-p " + port + " -k " + dir + " -c listen_addresses=127.0.0.1 -c max_connections=200",
                "start"));
        run(asPg(
                root,
                bin + "/psql",
                "-h",
                dir.toString(),
                "-p",
                String.valueOf(port),
                "-U",
                "postgres",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                "CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'",
                "-c",
                "CREATE DATABASE " + DB + " OWNER " + USER));
    }

    void stop() {
        if (dir == null) {
            return;
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        try {
            run(asPg(root, bin + "/pg_ctl", "-D", dir.resolve("data").toString(), "-m", "fast", "-w", "stop"));
        } catch (IOException e) {
            Ctx.log("PostgreSQL stop: %s", e.getMessage());
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // left in /tmp
        }
        dir = null;
    }

    private static List<String> asPg(boolean root, String... cmd) {
        List<String> all = new ArrayList<>();
        if (root) {
            all.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        all.addAll(List.of(cmd));
        return all;
    }

    private static String findBin() throws IOException {
        Path lib = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(lib)) {
            try (Stream<Path> versions = Files.list(lib)) {
                var best = versions.map(v -> v.resolve("bin"))
                        .filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparing(Path::toString));
                if (best.isPresent()) {
                    return best.get().toString();
                }
            }
        }
        throw new IllegalStateException("no PostgreSQL under /usr/lib/postgresql: apt-get install postgresql");
    }

    private String run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                Files.writeString(log, String.join(" ", cmd) + "\n" + out);
                throw new IOException(
                        cmd.get(cmd.size() > 4 && cmd.get(0).equals("runuser") ? 4 : 0) + " failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return out;
    }
}
