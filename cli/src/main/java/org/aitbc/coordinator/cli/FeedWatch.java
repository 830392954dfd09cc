package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.wire.EventView;

/**
 * Follows a job over the WebSocket feed ({@code /v1/jobs/ws}): subscribes after the last event
 * seen, and after a dropped connection (or a resync) reconnects from there, so nothing is missed.
 * Gives up after a few failed connections, and the caller then polls instead.
 */
final class FeedWatch {
    private static final String CLOSED = "\u0000closed";
    private static final int RECONNECTS = 5;

    private FeedWatch() {}

    /** The exit code once the job ends, or null when the feed cannot be used ({@code last[0]} = last event seen). */
    static Integer follow(ClientCommand cmd, String jobId, long[] last) {
        Http http = cmd.http();
        String ws = http.url.replaceFirst("^http", "ws") + "/v1/jobs/ws";
        boolean tty = System.console() != null && !cmd.json();
        int failures = 0;
        while (failures < RECONNECTS) {
            BlockingQueue<String> messages = new LinkedBlockingQueue<>();
            WebSocket socket;
            try {
                socket = HttpClient.newHttpClient()
                        .newWebSocketBuilder()
                        .connectTimeout(Duration.ofSeconds(10))
                        .header("X-Api-Key", http.key())
                        .buildAsync(URI.create(ws), new Collector(messages))
                        .get(15, TimeUnit.SECONDS);
                socket.sendText(
                                Json.createObjectBuilder()
                                        .add("action", "subscribe")
                                        .add("job_id", jobId)
                                        .add("after_event_id", last[0])
                                        .build()
                                        .toString(),
                                true)
                        .get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                failures++;
                Aitbc.sleep(500L * failures);
                continue;
            }
            // Until the server confirms the subscription, the connection still follows all of the
            // caller's jobs (its default); those events would arrive ahead of this job's replay.
            boolean subscribed = false;
            try {
                while (true) {
                    String text = messages.poll(60, TimeUnit.SECONDS);
                    if (text == null || text.equals(CLOSED)) {
                        break;
                    }
                    JsonObject o = Http.object(text);
                    String type = o.getString("type", "");
                    if (type.equals("subscribed") && jobId.equals(o.getString("job_id", null))) {
                        subscribed = true;
                    } else if (subscribed
                            && o.containsKey("event_id")
                            && (type.equals("status") || type.equals("progress"))) {
                        EventView e = Http.JSONB.fromJson(text, EventView.class);
                        if (e.eventId() <= last[0]) {
                            continue;
                        }
                        last[0] = e.eventId();
                        Integer ended = FollowCommands.show(cmd, e, tty);
                        if (ended != null) {
                            socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
                            return ended;
                        }
                    } else if (type.equals("error")) {
                        JsonObject error = o.getJsonObject("error");
                        String code = error == null ? "" : error.getString("code", "");
                        if (code.contains("NOT_FOUND")) {
                            throw new CliException(Aitbc.EXIT_NOT_FOUND, "no job " + jobId);
                        }
                        socket.abort();
                        return null;
                    } else if (type.equals("resync")) {
                        break;
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(Aitbc.EXIT_NETWORK, "interrupted");
            }
            socket.abort();
            failures++;
        }
        return null;
    }

    /** Collects whole text messages into a queue; a close or error ends the stream. */
    private static final class Collector implements WebSocket.Listener {
        private final BlockingQueue<String> messages;
        private final StringBuilder partial = new StringBuilder();

        Collector(BlockingQueue<String> messages) {
            this.messages = messages;
        }

        @Override
        public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int status, String reason) {
            messages.add(CLOSED);
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            messages.add(CLOSED);
        }
    }
}
