package org.aitbc.coordinator.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.aitbc.coordinator.ops.OpsFiles;

/**
 * A real Prometheus (Debian's package) for one test: on a free loopback port, with its own data
 * folder, scraping the given servers' {@code /metrics} every second. Started by {@link #start},
 * ready when it returns, stopped by {@link #close} in all cases (try-with-resources).
 */
public final class PrometheusProcess implements AutoCloseable {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private final Process process;
    private final Path dir;
    private final String base;

    private PrometheusProcess(Process process, Path dir, String base) {
        this.process = process;
        this.dir = dir;
        this.base = base;
    }

    /** Starts Prometheus in {@code dir} scraping {@code targets} (host:port each); waits until ready. */
    public static PrometheusProcess start(Path dir, List<String> targets) throws Exception {
        Path program = OpsFiles.program("prometheus");
        Files.createDirectories(dir.resolve("data"));
        Files.writeString(
                dir.resolve("prometheus.yml"),
                "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                        + "scrape_configs:\n  - job_name: aitbc\n    metrics_path: /metrics\n"
                        + "    static_configs:\n      - targets: ["
                        + targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", ")) + "]\n");
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Process p = new ProcessBuilder(
                        program.toString(),
                        "--config.file=" + dir.resolve("prometheus.yml"),
                        "--storage.tsdb.path=" + dir.resolve("data"),
                        "--web.listen-address=127.0.0.1:" + port)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("prometheus.log").toFile())
                .start();
        PrometheusProcess prom = new PrometheusProcess(p, dir, "http://127.0.0.1:" + port);
        try {
            prom.awaitReady();
        } catch (Throwable e) {
            prom.close();
            throw e;
        }
        return prom;
    }

    private void awaitReady() throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < end) {
            if (!process.isAlive()) {
                fail("prometheus exited with " + process.exitValue() + ": " + log());
            }
            try {
                if (get(base + "/-/ready").statusCode() == 200) {
                    return;
                }
            } catch (IOException e) {
                // Not listening yet.
            }
            Thread.sleep(200);
        }
        fail("prometheus not ready within " + DEADLINE + ": " + log());
    }

    private String log() throws IOException {
        return Files.readString(dir.resolve("prometheus.log"));
    }

    /** The instant query's result vector as it is now (asserting a successful instant-vector answer). */
    public JsonArray query(String query) throws Exception {
        HttpResponse<String> res =
                get(base + "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        assertEquals(200, res.statusCode(), query + ": " + res.body());
        JsonObject answer;
        try (JsonReader r = Json.createReader(new StringReader(res.body()))) {
            answer = r.readObject();
        }
        assertEquals("success", answer.getString("status"), query + ": " + answer);
        JsonObject data = answer.getJsonObject("data");
        if (!"vector".equals(data.getString("resultType"))) {
            fail(query + " answers a " + data.getString("resultType") + ", not an instant vector");
        }
        return data.getJsonArray("result");
    }

    /**
     * The query's result vector, asked again until it holds something or the deadline passes: a
     * rate needs two scrapes after the workload, one second apart.
     */
    public JsonArray awaitData(String query) throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        JsonArray result;
        do {
            result = query(query);
            if (!result.isEmpty()) {
                return result;
            }
            Thread.sleep(500);
        } while (System.nanoTime() < end);
        return result;
    }

    /** The first value of a one-element answer; NaN while it has none. */
    public double value(String query) throws Exception {
        JsonArray result = query(query);
        if (result.isEmpty()) {
            return Double.NaN;
        }
        assertEquals(1, result.size(), query + " is one figure: " + result);
        return Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
    }

    private static HttpResponse<String> get(String url) throws IOException, InterruptedException {
        return Api.HTTP.send(
                HttpRequest.newBuilder(URI.create(url))
                        .timeout(Duration.ofSeconds(10))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
