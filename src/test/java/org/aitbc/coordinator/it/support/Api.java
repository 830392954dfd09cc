package org.aitbc.coordinator.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

/**
 * A small HTTP client for the integration tests: real requests against the Open Liberty server
 * that {@code mvn verify} started (its URL and admin key come from failsafe's system properties).
 */
public final class Api {
    public static final String BASE = System.getProperty("it.base.url", "http://localhost:9181");
    public static final String ADMIN_KEY = System.getProperty("it.admin.key", "it-admin-key-0123456789abcdef");
    public static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    static {
        awaitReady();
    }

    /**
     * Waits until the server answers readiness UP. The build starts the server before the tests,
     * but on a loaded machine the application can still be deploying when the first test runs.
     */
    public static void awaitReady() {
        long until = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < until) {
            try {
                HttpResponse<Void> r = HTTP.send(
                        HttpRequest.newBuilder(URI.create(BASE + "/health/ready"))
                                .timeout(Duration.ofSeconds(10))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
                Thread.sleep(500);
            } catch (IOException e) {
                sleepQuietly();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(500);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Api() {}

    /** An answer: status, body text, headers; {@link #json()} parses the body. */
    public record Res(int status, String body, HttpHeaders headers) {
        public JsonObject json() {
            try (JsonReader r = Json.createReader(new StringReader(body))) {
                return r.readObject();
            }
        }

        public JsonArray array(String key) {
            return json().getJsonArray(key);
        }

        public String str(String key) {
            JsonValue v = json().get(key);
            return v == null || v.getValueType() == JsonValue.ValueType.NULL ? null : json().getString(key);
        }

        /** Asserts the status and, for errors, the one error shape with the given code. */
        public Res expect(int expected) {
            assertEquals(expected, status, () -> "unexpected status; body: " + body);
            return this;
        }

        public Res expectError(int expected, String code) {
            expect(expected);
            assertTrue(
                    headers.firstValue("Content-Type").orElse("").startsWith("application/json"),
                    "error answers are JSON");
            JsonObject error = json().getJsonObject("error");
            assertNotNull(error, "error shape: " + body);
            assertEquals(expected, error.getInt("status"));
            assertEquals(code, error.getString("code"), body);
            assertFalse(error.getString("message").isBlank());
            assertFalse(body.contains("Exception") || body.contains("\tat "), "no internals in: " + body);
            return this;
        }
    }

    /** A request as every test sends it: a JSON body when there is one, the key in X-Api-Key. */
    public static HttpRequest request(
            String base,
            String method,
            String path,
            String key,
            String body,
            Map<String, String> headers,
            Duration timeout) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
                .timeout(timeout)
                .method(
                        method,
                        body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (key != null) {
            b.header("X-Api-Key", key);
        }
        headers.forEach(b::header);
        return b.build();
    }

    public static Res call(String method, String path, String key, String body, Map<String, String> headers) {
        try {
            HttpResponse<String> r = HTTP.send(
                    request(BASE, method, path, key, body, headers, Duration.ofSeconds(60)),
                    HttpResponse.BodyHandlers.ofString());
            return new Res(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** An answer whose body is kept as bytes (downloads). */
    public record Bytes(int status, byte[] body, HttpHeaders headers) {}

    public static Bytes bytes(String method, String path, String key, byte[] body, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : BASE + path))
                .timeout(Duration.ofSeconds(120))
                .method(
                        method,
                        body == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(body));
        if (key != null) {
            b.header("X-Api-Key", key);
        }
        headers.forEach(b::header);
        try {
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            return new Bytes(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Uploads one result file as the miner. */
    public static Res upload(String minerKey, String minerId, String jobId, String path, byte[] content) {
        Bytes r = bytes(
                "PUT",
                "/v1/miners/" + jobId + "/files/" + path + "?miner_id=" + minerId,
                minerKey,
                content,
                Map.of("Content-Type", "application/octet-stream"));
        return new Res(r.status(), new String(r.body(), java.nio.charset.StandardCharsets.UTF_8), r.headers());
    }

    public static Res get(String path, String key) {
        return call("GET", path, key, null, Map.of());
    }

    public static Res post(String path, String key, String body) {
        return call("POST", path, key, body, Map.of());
    }

    public static Res delete(String path, String key) {
        return call("DELETE", path, key, null, Map.of());
    }

    /** A new account of this role (and plan, for clients); returns its API key. */
    public static String account(String role, String plan) {
        String body = plan == null
                ? "{\"role\":\"" + role + "\",\"name\":\"it-" + role + "\"}"
                : "{\"role\":\"" + role + "\",\"plan\":\"" + plan + "\",\"name\":\"it-" + role + "\"}";
        return post("/v1/admin/accounts", ADMIN_KEY, body).expect(201).str("api_key");
    }

    public static String client() {
        return account("client", "pro");
    }

    public static String miner() {
        return account("miner", null);
    }

    /** A region no other test uses, so that a test's miners see only that test's jobs. */
    public static String uniqueRegion() {
        return "it-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Registers miner {@code minerId} with one GPU of each given type, in a region. */
    public static void register(String minerKey, String minerId, String region, int concurrency) {
        post(
                        "/v1/miners/register?miner_id=" + minerId,
                        minerKey,
                        "{\"capabilities\":{\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}],\"models\":[]},"
                                + "\"concurrency\":" + concurrency + ",\"region\":\"" + region + "\"}")
                .expect(200);
    }

    public static String submit(String clientKey, String region) {
        return post(
                        "/v1/jobs",
                        clientKey,
                        "{\"model\":\"gpt2\",\"input\":\"hi\",\"requirements\":{\"region\":\"" + region + "\"}}")
                .expect(201)
                .str("job_id");
    }

    /** Polls once for miner {@code minerId}; returns the claimed job id or null on 204. */
    public static String poll(String minerKey, String minerId, int waitSeconds) {
        Res r = post("/v1/miners/poll?miner_id=" + minerId, minerKey, "{\"max_wait_seconds\":" + waitSeconds + "}");
        if (r.status() == 204) {
            return null;
        }
        return r.expect(200).str("job_id");
    }

    public static JsonObject job(String clientKey, String jobId) {
        return get("/v1/jobs/" + jobId, clientKey).expect(200).json();
    }

    /** Waits until the job reaches the status, failing after the timeout. */
    public static JsonObject awaitStatus(String clientKey, String jobId, String status, Duration timeout) {
        long until = System.nanoTime() + timeout.toNanos();
        JsonObject j;
        do {
            j = job(clientKey, jobId);
            if (status.equals(j.getString("status"))) {
                return j;
            }
            sleep(200);
        } while (System.nanoTime() < until);
        throw new AssertionError("job " + jobId + " did not become " + status + " in " + timeout + "; it is " + j);
    }

    /**
     * Heartbeats for the given miners every 300 ms until closed, as real miners do while they
     * work: the test server's leases are short, and a test that takes a while must not lose them.
     */
    public static AutoCloseable keepAlive(String minerKey, java.util.List<String> minerIds) {
        // One timer thread per miner, as each real miner beats on its own.
        java.util.concurrent.ScheduledExecutorService beats =
                java.util.concurrent.Executors.newScheduledThreadPool(Math.max(1, minerIds.size()));
        for (String id : minerIds) {
            beats.scheduleWithFixedDelay(
                    () -> {
                        try {
                            post("/v1/miners/heartbeat?miner_id=" + id, minerKey, "{\"inflight\":1}");
                        } catch (RuntimeException e) {
                            // The server may be restarting; the next beat tries again.
                        }
                    },
                    0,
                    500,
                    java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        return beats::shutdownNow;
    }

    public static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
