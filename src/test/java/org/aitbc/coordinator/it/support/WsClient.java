package org.aitbc.coordinator.it.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A real WebSocket client for the feed ({@code java.net.http.WebSocket}): every text message is
 * parsed and queued; the close code and pings are recorded.
 */
public final class WsClient implements AutoCloseable {
    public static final String WS_BASE = Api.BASE.replaceFirst("^http", "ws") + "/v1/jobs/ws";

    private final BlockingQueue<JsonObject> messages = new LinkedBlockingQueue<>();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final AtomicInteger pings = new AtomicInteger();
    private final WebSocket ws;

    private WsClient(String query, String headerKey) {
        WebSocket.Builder b = Api.HTTP.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10));
        if (headerKey != null) {
            b.header("X-Api-Key", headerKey);
        }
        ws = b.buildAsync(URI.create(WS_BASE + (query == null ? "" : "?" + query)), new Listener())
                .join();
    }

    /** Connects with the key in the {@code X-Api-Key} handshake header. */
    public static WsClient withHeader(String key) {
        return new WsClient(null, key);
    }

    /** Connects with {@code ?api_key=}. */
    public static WsClient withQuery(String key) {
        return new WsClient("api_key=" + key, null);
    }

    /** Connects without a key. */
    public static WsClient anonymous() {
        return new WsClient(null, null);
    }

    /** Connects with the header and waits for the {@code authenticated} message; returns it. */
    public static WsClient authenticated(String key) {
        WsClient c = withHeader(key);
        JsonObject hello = c.next();
        assertEquals("authenticated", hello.getString("type"), hello.toString());
        return c;
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                try (JsonReader r = Json.createReader(new StringReader(partial.toString()))) {
                    messages.add(r.readObject());
                }
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
            pings.incrementAndGet();
            webSocket.request(1);
            return null; // java.net.http answers with a pong itself
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            closed.complete(-1);
        }
    }

    public void send(String text) {
        ws.sendText(text, true).join();
    }

    public void subscribe(String jobId, Long afterEventId) {
        send("{\"action\":\"subscribe\"" + (jobId == null ? "" : ",\"job_id\":\"" + jobId + "\"")
                + (afterEventId == null ? "" : ",\"after_event_id\":" + afterEventId) + "}");
    }

    /** The next message, failing after 15 s. */
    public JsonObject next() {
        return next(Duration.ofSeconds(15));
    }

    public JsonObject next(Duration timeout) {
        try {
            JsonObject m = messages.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (m == null) {
                fail("no message within " + timeout + (closed.isDone() ? "; closed with " + closed.getNow(0) : ""));
            }
            return m;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The next message, which must be of this type. */
    public JsonObject expect(String type) {
        JsonObject m = next();
        assertEquals(type, m.getString("type"), m.toString());
        return m;
    }

    /** Waits for a message of this type, returning the messages before it. */
    public List<JsonObject> until(String type) {
        return until(m -> type.equals(m.getString("type", "")), Duration.ofSeconds(20));
    }

    public List<JsonObject> until(Predicate<JsonObject> last, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<JsonObject> before = new ArrayList<>();
        while (true) {
            long left = deadline - System.nanoTime();
            assertTrue(left > 0, "timed out; got " + before);
            JsonObject m = next(Duration.ofNanos(left));
            if (last.test(m)) {
                return before;
            }
            before.add(m);
        }
    }

    /** The next {@code n} job events, skipping nothing: any other message fails. */
    public List<JsonObject> events(int n) {
        List<JsonObject> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            JsonObject m = next();
            assertNotNull(m.get("event_id"), "an event, not " + m);
            out.add(m);
        }
        return out;
    }

    /** Whatever arrives within the time, without failing. */
    public List<JsonObject> drain(Duration quiet) {
        List<JsonObject> out = new ArrayList<>();
        try {
            JsonObject m;
            while ((m = messages.poll(quiet.toMillis(), TimeUnit.MILLISECONDS)) != null) {
                out.add(m);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return out;
    }

    /** The close code the server sent, waiting up to the timeout. */
    public int closeCode(Duration timeout) {
        try {
            return closed.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the connection was not closed within " + timeout, e);
        }
    }

    public boolean isClosed() {
        return closed.isDone() || ws.isInputClosed();
    }

    public int pings() {
        return pings.get();
    }

    @Override
    public void close() {
        if (!ws.isOutputClosed()) {
            try {
                ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                ws.abort();
            }
        }
        ws.abort();
    }
}
