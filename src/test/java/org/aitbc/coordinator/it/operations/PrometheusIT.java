package org.aitbc.coordinator.it.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.PrometheusProcess;
import org.aitbc.coordinator.it.support.WsClient;
import org.aitbc.coordinator.ops.OpsFiles;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (Debian's package) on loopback scrapes the test server's /metrics every second
 * while a small workload runs; then every expression of the Grafana dashboard
 * (ops/grafana/aitbc-dashboard.json) is queried through Prometheus's HTTP API and must return data,
 * so that no panel queries a metric that does not exist, and a histogram_quantile over the request
 * latency gives a figure. Prometheus gets a free port and its own data folder under target/, and is
 * stopped in all cases.
 */
public class PrometheusIT {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @Test
    void everyDashboardExpressionReturnsDataFromARealPrometheus() throws Exception {
        Path root = OpsFiles.root();
        List<String> expressions = dashboardExpressions(root.resolve("ops/grafana/aitbc-dashboard.json"));
        assertTrue(expressions.size() >= 20, "the dashboard has its panels: " + expressions);

        Path dir = root.resolve("target/prometheus-it/" + System.currentTimeMillis());
        URI server = URI.create(Api.BASE);
        try (PrometheusProcess prom =
                PrometheusProcess.start(dir, List.of(server.getHost() + ":" + server.getPort()))) {
            workload();
            for (String expr : expressions) {
                String query = expr.replace("$__rate_interval", "1m").replace("$__interval", "1m");
                JsonArray result = prom.awaitData(query);
                assertFalse(result.isEmpty(), "dashboard query returns data: " + expr);
            }
            double seconds = requestLatencyP99(prom);
            assertTrue(seconds > 0 && seconds < 60, "p99 of request latency is a figure in seconds: " + seconds);
            JsonArray routes = prom.awaitData(
                    "sum by (route) (aitbc_http_request_duration_seconds_count{route=~\"/v1/jobs|/v1/miners/poll\"})");
            assertEquals(2, routes.size(), "requests are labelled by route template: " + routes);
        }
    }

    /** Submissions, claims, a completion, a failure with a code, a live WebSocket event, a 404 and a 401. */
    private static void workload() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String minerId = region + "-m";
        Api.register(minerKey, minerId, region, 2);
        try (WsClient ws = WsClient.authenticated(client)) {
            String done = Api.submit(client, region);
            ws.next();
            String failed = Api.submit(client, region);
            List<String> claimed =
                    new ArrayList<>(List.of(Api.poll(minerKey, minerId, 0), Api.poll(minerKey, minerId, 0)));
            assertTrue(claimed.contains(done) && claimed.contains(failed), claimed.toString());
            Api.post("/v1/miners/" + done + "/start?miner_id=" + minerId, minerKey, "{}")
                    .expect(200);
            Api.post("/v1/miners/" + done + "/result?miner_id=" + minerId, minerKey, "{\"result\":{\"output\":\"ok\"}}")
                    .expect(200);
            Api.post(
                            "/v1/miners/" + failed + "/fail?miner_id=" + minerId,
                            minerKey,
                            "{\"error_code\":\"OUT_OF_MEMORY\",\"error_message\":\"the model did not fit\","
                                    // OUT_OF_MEMORY is retried by default; this failure is to end the job.
                                    + "\"retryable\":false}")
                    .expect(200);
            Api.get("/v1/jobs/" + done, client).expect(200);
            Api.get("/v1/jobs/job_does_not_exist", client).expect(404);
            Api.get("/v1/jobs", null).expect(401);
        }
    }

    /**
     * {@code histogram_quantile(0.99, ...)} over the request latency across servers (here one). A
     * rate needs the counts to grow between two scrapes, so requests go on, one every half second,
     * until the quantile is a figure (it is NaN while no bucket grew within the window).
     */
    private static double requestLatencyP99(PrometheusProcess prom) throws Exception {
        String query = "histogram_quantile(0.99, sum by (le) (rate(aitbc_http_request_duration_seconds_bucket[1m])))";
        long end = System.nanoTime() + DEADLINE.toNanos();
        double seconds = Double.NaN;
        while (System.nanoTime() < end) {
            Api.get("/health/ready", null);
            Api.get("/v1/jobs", null).expect(401);
            JsonArray result = prom.awaitData(query);
            assertEquals(1, result.size(), "one figure across servers: " + result);
            seconds = Double.parseDouble(
                    result.getJsonObject(0).getJsonArray("value").getString(1));
            if (!Double.isNaN(seconds)) {
                return seconds;
            }
            Thread.sleep(500);
        }
        return seconds;
    }

    /** Every {@code expr} of every panel's targets, in order, without repeats. */
    static List<String> dashboardExpressions(Path dashboard) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        try (JsonReader r = Json.createReader(new StringReader(Files.readString(dashboard)))) {
            JsonObject d = r.readObject();
            collect(d.getJsonArray("panels"), out);
        }
        return new ArrayList<>(out);
    }

    private static void collect(JsonArray panels, Set<String> out) {
        for (JsonValue v : panels) {
            JsonObject panel = v.asJsonObject();
            if (panel.containsKey("targets")) {
                for (JsonValue t : panel.getJsonArray("targets")) {
                    out.add(t.asJsonObject().getString("expr"));
                }
            }
            if (panel.containsKey("panels")) {
                collect(panel.getJsonArray("panels"), out);
            }
        }
    }
}
