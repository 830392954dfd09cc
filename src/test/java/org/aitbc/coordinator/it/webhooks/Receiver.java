package org.aitbc.coordinator.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A webhook receiver on a free loopback port, as a client would run one: it checks the signature
 * of every request it gets (with the secrets the test registered, written here independently of
 * the server's code), records what came and when, can answer 500 for a while, and can go down and
 * come back on the same port.
 */
final class Receiver implements AutoCloseable {
    /** One request as received: the event body, its headers, when, and what was answered. */
    record Got(JsonObject body, String eventIdHeader, String webhookId, long atMs, int answered) {
        long eventId() {
            return body.getJsonNumber("event_id").longValue();
        }

        String jobId() {
            return body.getString("job_id");
        }
    }

    private final Map<String, String> secrets = new ConcurrentHashMap<>();
    private final List<Got> got = new ArrayList<>();
    private final List<String> badSignatures = new ArrayList<>();
    private final AtomicInteger failNext = new AtomicInteger();
    private final java.util.concurrent.atomic.AtomicLong delayMs = new java.util.concurrent.atomic.AtomicLong();
    private final AtomicInteger answered = new AtomicInteger();
    private final AtomicInteger arrived = new AtomicInteger();
    private final int port;
    private HttpServer server;

    Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        port = server.getAddress().getPort();
        serve();
    }

    String url() {
        return "http://127.0.0.1:" + port + "/hook";
    }

    /** The secret a webhook's deliveries must be signed with. */
    void secret(String webhookId, String secret) {
        secrets.put(webhookId, secret);
    }

    /** The next {@code n} requests are answered 500. */
    void failNext(int n) {
        failNext.set(n);
    }

    /** Every request from now on is answered after {@code ms} (a slow receiver). */
    void delay(long ms) {
        delayMs.set(ms);
    }

    /** Requests that came (counted on arrival, before any delay) and that were answered. */
    int arrivals() {
        return arrived.get();
    }

    int answers() {
        return answered.get();
    }

    void down() {
        server.stop(0);
    }

    void up() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        serve();
    }

    private void serve() {
        server.createContext("/hook", exchange -> {
            byte[] raw;
            try (InputStream in = exchange.getRequestBody()) {
                raw = in.readAllBytes();
            }
            arrived.incrementAndGet();
            long delay = delayMs.get();
            if (delay > 0) {
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            String body = new String(raw, StandardCharsets.UTF_8);
            String signature = exchange.getRequestHeaders().getFirst("X-Aitbc-Signature");
            JsonObject json;
            try (JsonReader r = Json.createReader(new StringReader(body))) {
                json = r.readObject();
            }
            String webhookId = json.getString("webhook_id", null);
            String problem = verify(secrets.get(webhookId), signature, body);
            int status = problem != null ? 400 : failNext.getAndUpdate(n -> Math.max(0, n - 1)) > 0 ? 500 : 200;
            synchronized (got) {
                if (problem != null) {
                    badSignatures.add(problem + ": " + body);
                }
                got.add(new Got(
                        json,
                        exchange.getRequestHeaders().getFirst("X-Aitbc-Event-Id"),
                        webhookId,
                        System.currentTimeMillis(),
                        status));
                got.notifyAll();
            }
            byte[] answer = (status == 200 ? "ok" : "no").getBytes(StandardCharsets.UTF_8);
            try {
                exchange.sendResponseHeaders(status, answer.length);
                exchange.getResponseBody().write(answer);
            } catch (IOException gone) {
                // a slow answer: the sender stopped waiting
            }
            exchange.close();
            answered.incrementAndGet();
        });
        server.start();
    }

    /**
     * What a receiver does: split {@code t=...,v1=...}, recompute HMAC-SHA256 of "t.body", compare in
     * constant time, and refuse a time more than five minutes away. Null when the signature holds.
     */
    static String verify(String secret, String header, String body) {
        if (secret == null) {
            return "no secret known for this webhook";
        }
        if (header == null) {
            return "no X-Aitbc-Signature";
        }
        String t = null;
        String v1 = null;
        for (String part : header.split(",")) {
            if (part.startsWith("t=")) {
                t = part.substring(2);
            } else if (part.startsWith("v1=")) {
                v1 = part.substring(3);
            }
        }
        if (t == null || v1 == null) {
            return "malformed signature header " + header;
        }
        if (Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(t)) > 300) {
            return "signature time too far from now";
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] expected = mac.doFinal((t + "." + body).getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(expected, HexFormat.of().parseHex(v1)) ? null : "signature mismatch";
        } catch (Exception e) {
            return "cannot verify: " + e;
        }
    }

    /** Everything received so far, in arrival order. */
    List<Got> received() {
        synchronized (got) {
            return List.copyOf(got);
        }
    }

    /** Waits until a request that the predicate accepts has been answered 200; returns all received. */
    List<Got> await(Predicate<List<Got>> done, Duration timeout) throws InterruptedException {
        long until = System.currentTimeMillis() + timeout.toMillis();
        synchronized (got) {
            while (!done.test(List.copyOf(got))) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) {
                    throw new AssertionError("the receiver did not get what was expected in " + timeout + "; got "
                            + got.stream()
                                    .map(g -> g.body() + " → " + g.answered())
                                    .toList());
                }
                got.wait(left);
            }
            return List.copyOf(got);
        }
    }

    /** Every request that came had a valid signature and matching event id header. */
    void assertAllSigned() {
        synchronized (got) {
            assertTrue(badSignatures.isEmpty(), () -> "bad signatures: " + badSignatures);
            for (Got g : got) {
                assertNotNull(g.eventIdHeader(), "X-Aitbc-Event-Id");
                assertEquals(Long.toString(g.eventId()), g.eventIdHeader());
            }
        }
    }

    /** The distinct event ids answered 200, in the order they were first accepted. */
    static List<Long> delivered(List<Got> got, String jobId) {
        List<Long> ids = new ArrayList<>();
        for (Got g : got) {
            if (g.answered() == 200 && g.jobId().equals(jobId) && !ids.contains(g.eventId())) {
                ids.add(g.eventId());
            }
        }
        return ids;
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
