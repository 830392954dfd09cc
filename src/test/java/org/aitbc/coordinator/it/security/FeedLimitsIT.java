package org.aitbc.coordinator.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.aitbc.coordinator.it.support.WsClient;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The WebSocket feed under abuse: every message is charged to the key's rate limit like a
 * request, every message the parser cannot take gets an error message (never silence), and
 * unauthenticated connections are bounded per client address.
 */
// Alone: it holds the 20 unauthenticated WebSocket connections the server allows one address
// (127.0.0.1, every class's): another class's connection without a key yet would take one of the
// places it counts on, or be refused while it holds them.
@Isolated
@Order(Schedule.ISOLATED)
public class FeedLimitsIT {
    @Test
    void everyMessageIsChargedLikeARequestAndNothingIsServedPastTheLimit() {
        // The test server gives free keys 30 requests a minute; REST and the feed share them.
        String free = Api.account("client", "free");
        String job = Api.submit(free, Api.uniqueRegion());
        try (WsClient ws = WsClient.authenticated(free)) {
            for (int i = 0; i < 60; i++) {
                ws.send("{\"action\":\"subscribe\",\"job_id\":\"" + job + "\",\"after_event_id\":0}");
            }
            List<JsonObject> answers = ws.drain(Duration.ofSeconds(2));
            List<JsonObject> limited = answers.stream()
                    .filter(m -> "error".equals(m.getString("type", ""))
                            && "RATE_LIMITED".equals(m.getJsonObject("error").getString("code")))
                    .toList();
            long subscribed = answers.stream()
                    .filter(m -> "subscribed".equals(m.getString("type", "")))
                    .count();
            assertFalse(limited.isEmpty(), "subscribes past the limit are refused: " + answers);
            JsonObject error = limited.get(0).getJsonObject("error");
            assertEquals(429, error.getInt("status"));
            assertTrue(error.getInt("retry_after") > 0, error.toString());
            // 30 a minute: one submit and one authentication leave at most 28 subscriptions.
            assertTrue(subscribed <= 28, subscribed + " subscriptions served");
            assertEquals(60 - subscribed, limited.size(), "every refused message is answered");
            // Each refused subscribe replays nothing: the events seen are those of the served ones.
            long events =
                    answers.stream().filter(m -> m.containsKey("event_id")).count();
            assertTrue(events <= subscribed, events + " events for " + subscribed + " subscriptions");
        }
        Api.get("/v1/jobs/" + job, free).expectError(429, "RATE_LIMITED");
    }

    @Test
    void messagesTheParserCannotTakeGetAnErrorAndTheConnectionStaysUsable() {
        String client = Api.client();
        List<String> bad = new ArrayList<>(List.of(
                "[".repeat(8_000),
                "{\"a\":".repeat(5_000),
                "1e2147483648",
                "{\"action\":\"subscribe\",\"after_event_id\":1e2147483648}",
                "{\"action\":\"subscribe\",\"after_event_id\":" + "9".repeat(1_100) + "}",
                "{\"action\":\"subscribe\",\"after_event_id\":-1}",
                "\u0000\u0001garbage",
                "{\"action\":\"ping\"} x",
                "{} {}",
                "",
                "\"text\"",
                "{\"action\":\"sub\\ud800scribe\"}",
                "{\"action\":42}"));
        try (WsClient ws = WsClient.authenticated(client)) {
            for (String message : bad) {
                ws.send(message);
                JsonObject answer = ws.next(Duration.ofSeconds(10));
                assertEquals("error", answer.getString("type"), message.length() > 60 ? "long message" : message);
                JsonObject error = answer.getJsonObject("error");
                assertTrue(error.getInt("status") >= 400 && error.getInt("status") < 500, error.toString());
                String text = answer.toString();
                assertFalse(text.contains("Exception") || text.contains("java.") || text.contains("jakarta."), text);
            }
            ws.send("{\"action\":\"ping\"}");
            assertEquals("pong", ws.next().getString("type"));
        }
    }

    @Test
    void unauthenticatedConnectionsAreBoundedPerAddress() throws Exception {
        // The server's default: 20 per address. The test server waits 2 s for an auth message, so
        // the 20 are opened at once, and then given a moment: a client's handshake completes when
        // the server has answered 101, a little before the server's own open counts it, and a
        // 21st opened right after the 20th was once counted before it (and admitted).
        List<WsClient> open = new ArrayList<>();
        ExecutorService opener = Executors.newFixedThreadPool(20);
        try {
            List<Future<WsClient>> opening = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                opening.add(opener.submit(WsClient::anonymous));
            }
            for (Future<WsClient> f : opening) {
                open.add(f.get(30, TimeUnit.SECONDS));
            }
            Api.sleep(400);
            try (WsClient one = WsClient.anonymous()) {
                JsonObject error = one.expect("error").getJsonObject("error");
                assertEquals("TOO_MANY_CONNECTIONS", error.getString("code"));
                assertEquals(429, error.getInt("status"));
                assertEquals(1008, one.closeCode(Duration.ofSeconds(10)));
            }
            // Authenticating one frees its place.
            open.get(0).send("{\"action\":\"auth\",\"api_key\":\"" + Api.client() + "\"}");
            open.get(0).expect("authenticated");
            try (WsClient again = WsClient.anonymous()) {
                again.send("{\"action\":\"ping\"}");
                // Admitted: told to authenticate (not refused as one too many).
                JsonObject error = again.expect("error").getJsonObject("error");
                assertEquals("UNAUTHENTICATED", error.getString("code"));
            }
        } finally {
            opener.shutdownNow();
            open.forEach(WsClient::close);
        }
        // With a key, connections are not bounded by this rule.
        String client = Api.client();
        List<WsClient> keyed = new ArrayList<>();
        try {
            for (int i = 0; i < 25; i++) {
                keyed.add(WsClient.authenticated(client));
            }
        } finally {
            keyed.forEach(WsClient::close);
        }
    }
}
