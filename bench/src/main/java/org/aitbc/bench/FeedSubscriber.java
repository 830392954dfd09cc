package org.aitbc.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A WebSocket feed connection of the harness: joins a message's frames, hands each whole message
 * with the time its last frame arrived to {@link #message}, and asks for the next one. {@link
 * #ready} completes when the subclass says the subscription (or authentication) is answered, and
 * fails on a transport error. The feed scenarios ({@link Feed}, {@link FeedBurst}) differ only in
 * what they count per message.
 */
abstract class FeedSubscriber implements WebSocket.Listener {
    /** The job followed, or null for everything the key may see. */
    final String job;

    final CompletableFuture<Void> ready = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    WebSocket ws;

    FeedSubscriber(String job) {
        this.job = job;
    }

    /** One whole text message; {@code receivedNanos} is {@link System#nanoTime} at its last frame. */
    abstract void message(String text, long receivedNanos);

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        long now = System.nanoTime();
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            message(text, now);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        ready.completeExceptionally(error);
    }

    /** Opens {@code sub}'s connection to the feed with {@code key}, and subscribes to its job if it has one. */
    static <T extends FeedSubscriber> T connect(HttpClient http, URI base, String key, T sub) {
        URI uri = URI.create(base.toString().replaceFirst("^http", "ws") + "/v1/jobs/ws");
        sub.ws = http.newWebSocketBuilder()
                .header("X-Api-Key", key)
                .buildAsync(uri, sub)
                .join();
        if (sub.job != null) {
            sub.ws
                    .sendText("{\"action\":\"subscribe\",\"job_id\":\"" + sub.job + "\"}", true)
                    .join();
        }
        return sub;
    }
}
