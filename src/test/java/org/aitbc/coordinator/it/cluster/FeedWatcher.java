package org.aitbc.coordinator.it.cluster;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.net.URI;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.aitbc.coordinator.it.support.Api;

/**
 * A WebSocket subscriber of all of one client's jobs, through nginx, that reconnects whenever its
 * connection breaks (a server killed or restarted, nginx restarted) or goes silent (a server
 * paused), and then subscribes with {@code after_event_id} set to the last event id it received:
 * what SPEC §8 promises loses nothing. Every event id it accepts is kept, duplicates included, so
 * that a test can check "each once, none missing".
 *
 * <p>After the handshake the server follows all the client's jobs live until the explicit
 * subscription replaces that; events it sends before its {@code subscribed} answer are the ones
 * the subscription replays, so the watcher reads from {@code subscribed} on (as a client must).
 * Its life: {@link #start} connects on its own thread, {@link #close} ends it.
 */
final class FeedWatcher implements AutoCloseable {
    /** No message (not even a pong) for this long: the connection is dead, connect again. */
    private static final long SILENT_MS = 8000;

    private final String wsUrl;
    private final String key;
    private final ConcurrentLinkedQueue<Long> received = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean closing = new AtomicBoolean();
    private final AtomicInteger connections = new AtomicInteger();
    private final Thread thread;
    private volatile long lastEventId;
    private volatile long lastMessageMs;
    private volatile boolean broken;
    private volatile boolean caughtUp;
    /** Out-of-order arrivals (an id not above the previous one). */
    final AtomicInteger outOfOrder = new AtomicInteger();

    FeedWatcher(String lb, String key) {
        this.wsUrl = lb.replaceFirst("^http", "ws") + "/v1/jobs/ws";
        this.key = key;
        this.thread = new Thread(this::loop, "feed-watcher");
        this.thread.setDaemon(true);
    }

    /** Connects and waits until the first subscription caught up. */
    FeedWatcher start() {
        thread.start();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!caughtUp && System.nanoTime() < until) {
            Api.sleep(100);
        }
        if (!caughtUp) {
            throw new AssertionError("the feed watcher did not catch up through " + wsUrl);
        }
        return this;
    }

    private void loop() {
        while (!closing.get()) {
            WebSocket ws = null;
            try {
                broken = false;
                Listener listener = new Listener();
                ws = Api.HTTP
                        .newWebSocketBuilder()
                        .header("X-Api-Key", key)
                        .connectTimeout(Duration.ofSeconds(5))
                        .buildAsync(URI.create(wsUrl), listener)
                        .get(10, TimeUnit.SECONDS);
                connections.incrementAndGet();
                lastMessageMs = System.currentTimeMillis();
                // One send at a time (the client refuses a second while one is pending).
                ws.sendText("{\"action\":\"subscribe\",\"after_event_id\":" + lastEventId + "}", true)
                        .get(5, TimeUnit.SECONDS);
                long lastPing = 0;
                while (!closing.get() && !broken) {
                    long now = System.currentTimeMillis();
                    if (now - lastMessageMs > SILENT_MS) {
                        break;
                    }
                    if (now - lastPing > 2000) {
                        ws.sendText("{\"action\":\"ping\"}", true).get(5, TimeUnit.SECONDS);
                        lastPing = now;
                    }
                    Thread.sleep(100);
                }
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // Not connected (nginx or every server down): try again shortly.
            }
            if (ws != null) {
                ws.abort();
            }
            if (!closing.get()) {
                Api.sleep(300);
            }
        }
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder partial = new StringBuilder();
        private boolean subscribed;

        @Override
        public CompletionStage<?> onText(WebSocket socket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                lastMessageMs = System.currentTimeMillis();
                JsonObject m;
                try (var r = Json.createReader(new StringReader(partial.toString()))) {
                    m = r.readObject();
                }
                partial.setLength(0);
                if (m.containsKey("event_id")) {
                    if (subscribed) {
                        long id = m.getJsonNumber("event_id").longValue();
                        if (id <= lastEventId) {
                            outOfOrder.incrementAndGet();
                        } else {
                            lastEventId = id;
                        }
                        received.add(id);
                    }
                } else {
                    String type = m.getString("type", "");
                    if ("subscribed".equals(type)) {
                        subscribed = true;
                    } else if ("caught_up".equals(type)) {
                        caughtUp = true;
                    } else if ("resync".equals(type) || "error".equals(type)) {
                        broken = true; // connect again from the last id
                    }
                }
            }
            socket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket socket, int code, String reason) {
            broken = true;
            return null;
        }

        @Override
        public void onError(WebSocket socket, Throwable error) {
            broken = true;
        }
    }

    /** Every event id accepted, in arrival order (a repeat would appear twice). */
    List<Long> received() {
        return new ArrayList<>(received);
    }

    /** How many connections it made (the first and every reconnection). */
    int connections() {
        return connections.get();
    }

    @Override
    public void close() throws InterruptedException {
        closing.set(true);
        thread.interrupt();
        thread.join(5000);
    }
}
