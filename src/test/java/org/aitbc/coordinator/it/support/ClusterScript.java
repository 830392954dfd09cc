package org.aitbc.coordinator.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The cluster of {@code scripts/cluster.sh} (PostgreSQL, the servers of this build, nginx) for the
 * cluster tests, and the one way they drive the script. A test class names it with
 * {@code @ExtendWith(ClusterScript.class)} and reads {@link #current()} in its {@code @BeforeAll}.
 *
 * <p>Its life: the first cluster test class of a test run brings the cluster up ({@code down},
 * then {@code up}); later classes reuse it, after {@link #heal()} has undone what the previous
 * class left (a killed or paused server, PostgreSQL or nginx stopped), which saves one start of
 * every server per class. A class marked {@link Fresh} (it asserts on the cluster's history from
 * its start) gets a new cluster when another class used the current one. {@code down} runs when
 * the test run ends (the root context's store closes it), or at once when it cannot be reused.
 *
 * <p>Only the {@code cluster-tests} execution of the {@code cluster} profile passes {@code
 * cluster.dir} and the ports; {@code -Dit.test=ClusterXIT} also selects the class in the other
 * executions, where it is not run rather than started on another cluster's default ports.
 */
public final class ClusterScript implements BeforeAllCallback {
    /** A class that needs a cluster nobody else has used (it reads history from the start). */
    @Retention(RetentionPolicy.RUNTIME)
    @Target(ElementType.TYPE)
    public @interface Fresh {}

    private static final Path PROJECT =
            Path.of(System.getProperty("cluster.project.dir", ".")).toAbsolutePath();
    private static final Path DIR =
            Path.of(System.getProperty("cluster.dir", "target/cluster")).toAbsolutePath();

    private static ClusterScript current;

    private Properties env;
    private int classes;

    /** The extension's instance JUnit makes; the cluster itself is the static {@link #current()}. */
    public ClusterScript() {}

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        assumeTrue(
                System.getProperty("cluster.dir") != null,
                "cluster tests run in the cluster profile's cluster-tests execution only");
        boolean fresh = context.getRequiredTestClass().isAnnotationPresent(Fresh.class);
        synchronized (ClusterScript.class) {
            if (current != null && (fresh && current.classes > 0 || !current.heal())) {
                current.stop();
                current = null;
            }
            if (current == null) {
                ClusterScript c = new ClusterScript();
                c.start();
                current = c;
                // Closed when the whole run ends, not with this class.
                context.getRoot()
                        .getStore(ExtensionContext.Namespace.GLOBAL)
                        .getOrComputeIfAbsent(
                                ClusterScript.class, k -> (ExtensionContext.Store.CloseableResource) () -> {
                                    synchronized (ClusterScript.class) {
                                        if (current != null) {
                                            current.stop();
                                            current = null;
                                        }
                                    }
                                });
            }
            current.classes++;
        }
    }

    /** The cluster that is up for the running test class. */
    public static ClusterScript current() {
        if (current == null) {
            throw new IllegalStateException("no cluster: annotate the class with @ExtendWith(ClusterScript.class)");
        }
        return current;
    }

    private void start() throws Exception {
        run(Duration.ofMinutes(8), "down");
        long t = System.nanoTime();
        // A server whose database login timed out at start (seen at load averages of 50 and more on
        // two cores) never becomes ready: one more try from scratch, then the failure stands.
        if (exec(Duration.ofMinutes(14), "up") != 0) {
            System.out.println("[cluster] up failed; down and up once more");
            run(Duration.ofMinutes(8), "down");
            run(Duration.ofMinutes(14), "up");
        }
        System.out.println("[cluster] up in " + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t) + " ms");
        env = new Properties();
        try (var in = Files.newBufferedReader(DIR.resolve("cluster.env"))) {
            env.load(in);
        }
    }

    private void stop() {
        try {
            run(Duration.ofMinutes(3), "down");
        } catch (Throwable e) {
            System.out.println("[cluster] down failed: " + e);
        }
    }

    /**
     * Undoes what a test class may have left: paused servers resumed, PostgreSQL and nginx started,
     * stopped or killed servers started; true when every server is ready again.
     */
    boolean heal() {
        for (int i = 0; i < size(); i++) {
            tryRun(Duration.ofSeconds(30), "resume", server(i));
        }
        try (Connection c = db()) {
            c.isValid(5);
        } catch (SQLException down) {
            tryRun(Duration.ofMinutes(1), "db-start");
        }
        if (status(lb(), "/health/ready") < 0) {
            tryRun(Duration.ofMinutes(1), "lb-start");
        }
        for (int i = 0; i < size(); i++) {
            if (!awaitReady(i, Duration.ofSeconds(20)) && !tryRun(Duration.ofMinutes(4), "start", server(i))) {
                return false;
            }
        }
        return status(lb(), "/health/ready") == 200;
    }

    private boolean awaitReady(int i, Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        do {
            if (status(url(i), "/health/ready") == 200) {
                return true;
            }
            Api.sleep(500);
        } while (System.nanoTime() < until);
        return false;
    }

    private static int status(String base, String path) {
        Api.Res r = tryCall(base, "GET", path, null, null, Map.of(), Duration.ofSeconds(5));
        return r == null ? -1 : r.status();
    }

    // ---- what the tests read ------------------------------------------------------------------

    public Properties env() {
        return env;
    }

    /** nginx's URL. */
    public String lb() {
        return env.getProperty("CLUSTER_LB_URL");
    }

    public int size() {
        return Integer.parseInt(env.getProperty("CLUSTER_SIZE"));
    }

    /** The server's name (coordinator-a, ...). */
    public String server(int i) {
        return env.getProperty("CLUSTER_SERVER_" + i);
    }

    /** The server's own URL, past nginx. */
    public String url(int i) {
        return env.getProperty("CLUSTER_URL_" + i);
    }

    public String[] servers() {
        String[] s = new String[size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = server(i);
        }
        return s;
    }

    public String[] urls() {
        String[] s = new String[size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = url(i);
        }
        return s;
    }

    public String adminKey() {
        return env.getProperty("CLUSTER_ADMIN_KEY");
    }

    public Connection db() throws SQLException {
        return DriverManager.getConnection(
                env.getProperty("CLUSTER_JDBC_URL"),
                env.getProperty("CLUSTER_DB_USER"),
                env.getProperty("CLUSTER_DB_PASSWORD"));
    }

    /** The server's current messages.log. */
    public String serverLog(String server) throws IOException {
        Path log = Path.of(env.getProperty("CLUSTER_WLP"), "usr", "servers", server, "logs", "messages.log");
        return Files.readString(log, StandardCharsets.UTF_8);
    }

    public Path dir() {
        return DIR;
    }

    // ---- driving the script -------------------------------------------------------------------

    /** Runs scripts/cluster.sh with the ports and folder the build chose; fails on a non-zero exit. */
    public void run(Duration timeout, String... args) throws Exception {
        int exit = exec(timeout, args);
        assertEquals(
                0, exit, "scripts/cluster.sh " + String.join(" ", args) + " failed; see target/cluster-script.log");
    }

    /** The same, best effort: false when it failed or took too long. */
    public boolean tryRun(Duration timeout, String... args) {
        try {
            return exec(timeout, args) == 0;
        } catch (Throwable e) {
            return false;
        }
    }

    private static int exec(Duration timeout, String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add("bash");
        cmd.add(PROJECT.resolve("scripts/cluster.sh").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd)
                .directory(PROJECT.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        new File(DIR.getParent().toFile(), "cluster-script.log")));
        pb.environment().put("CLUSTER_DIR", DIR.toString());
        for (String[] p : new String[][] {
            {"cluster.ports", "CLUSTER_PORTS"},
            {"cluster.lb.port", "CLUSTER_LB_PORT"},
            {"cluster.pg.port", "CLUSTER_PG_PORT"},
            {"cluster.s3.port", "CLUSTER_S3_PORT"},
            {"cluster.jvm.options", "CLUSTER_JVM_OPTIONS"}
        }) {
            String v = System.getProperty(p[0]);
            if (v != null && !v.isBlank()) {
                pb.environment().put(p[1], v);
            }
        }
        Process proc = pb.start();
        if (!proc.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            proc.destroyForcibly();
            throw new AssertionError("scripts/cluster.sh " + String.join(" ", args) + " took longer than " + timeout);
        }
        return proc.exitValue();
    }

    /** One request; null when the server cannot be reached, the connection broke or it timed out. */
    public static Api.Res tryCall(
            String base,
            String method,
            String path,
            String key,
            String body,
            Map<String, String> headers,
            Duration timeout) {
        try {
            HttpResponse<String> r = Api.HTTP.send(
                    Api.request(base, method, path, key, body, headers, timeout), HttpResponse.BodyHandlers.ofString());
            return new Api.Res(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /**
     * Registers the miner of {@code minerQuery} ({@code ?miner_id=...}) through {@code base}: one
     * A100, concurrency 20, in {@code region}, so that it is offered only its test's jobs (and
     * region-less ones). Fails the test unless it is answered 200 within 20 s.
     */
    public static void registerMiner(String base, String minerQuery, String minerKey, String region) {
        Api.Res r = tryCall(
                base,
                "POST",
                "/v1/miners/register" + minerQuery,
                minerKey,
                "{\"capabilities\":{\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}]},"
                        + "\"concurrency\":20,\"region\":\"" + region + "\"}",
                Map.of(),
                Duration.ofSeconds(20));
        assertNotNull(r, "POST " + base + "/v1/miners/register" + minerQuery + ": no answer");
        assertEquals(200, r.status(), r.body());
    }

    /**
     * Polls through {@code base} as the miner of {@code minerQuery} ({@code ?miner_id=...}) until it
     * is handed {@code job} (at most 20 polls), and returns the last job it was handed (null:
     * none). The cluster is shared by the cluster test classes: their jobs without a region may be
     * handed out before a test's own, and a test's miner works them off on its way.
     */
    public static String claimUntil(String base, String minerQuery, String minerKey, String job) {
        String claimed = null;
        for (int i = 0; i < 20 && !job.equals(claimed); i++) {
            Api.Res poll = tryCall(
                    base,
                    "POST",
                    "/v1/miners/poll" + minerQuery,
                    minerKey,
                    "{\"max_wait_seconds\":5}",
                    Map.of(),
                    Duration.ofSeconds(45));
            claimed = poll != null && poll.status() == 200 ? poll.str("job_id") : null;
        }
        return claimed;
    }
}
