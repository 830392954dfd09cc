package org.aitbc.coordinator.interfaces.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.StringReader;
import java.util.List;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.interfaces.mapping.ErrorStatus;
import org.junit.jupiter.api.Test;

/** The feed's client messages: what is accepted, and how each bad message is answered. */
class FeedProtocolTest {
    @Test
    void acceptsEachAction() {
        assertEquals(new FeedProtocol.Auth("k1"), FeedProtocol.parse("{\"action\":\"auth\",\"api_key\":\" k1 \"}"));
        assertEquals(
                new FeedProtocol.Subscribe("job_x", 42L),
                FeedProtocol.parse("{\"action\":\"subscribe\",\"job_id\":\"job_x\",\"after_event_id\":42}"));
        assertEquals(new FeedProtocol.Subscribe(null, null), FeedProtocol.parse("{\"action\":\"subscribe\"}"));
        assertEquals(
                new FeedProtocol.Subscribe(null, 0L),
                FeedProtocol.parse("{\"action\":\"subscribe\",\"job_id\":null,\"after_event_id\":0}"));
        assertEquals(
                new FeedProtocol.Unsubscribe("job_x"),
                FeedProtocol.parse("{\"action\":\"unsubscribe\",\"job_id\":\"job_x\"}"));
        assertEquals(
                new FeedProtocol.Unsubscribe(null), FeedProtocol.parse("{\"action\":\"unsubscribe\",\"extra\":1}"));
        assertInstanceOf(FeedProtocol.Ping.class, FeedProtocol.parse("{\"action\":\"ping\"}"));
    }

    @Test
    void malformedJsonAndNonObjects() {
        for (String bad :
                List.of("{not json", "", "[1,2]", "\"subscribe\"", "42", "{\"action\":\"subscribe\"} trailing")) {
            CoordinatorException e = assertThrows(CoordinatorException.class, () -> FeedProtocol.parse(bad), bad);
            assertEquals(400, ErrorStatus.of(e));
            assertEquals("MALFORMED_JSON", e.code(), bad);
        }
    }

    @Test
    void messagesThatWouldMakeTheParserThrowAreMalformedNotSilent() {
        for (String bad : List.of(
                "[".repeat(8_000),
                "{\"a\":".repeat(5_000),
                "1e2147483648",
                "{\"action\":\"subscribe\",\"after_event_id\":1e2147483648}",
                "{\"action\":\"subscribe\",\"after_event_id\":" + "9".repeat(1_100) + "}",
                "\u0000garbage",
                "{} {}")) {
            CoordinatorException e = assertThrows(CoordinatorException.class, () -> FeedProtocol.parse(bad));
            assertEquals("MALFORMED_JSON", e.code(), bad.length() > 40 ? bad.substring(0, 40) : bad);
            assertEquals(400, ErrorStatus.of(e));
        }
        // Within the bounds a message still parses, and a number beyond a long is a field problem.
        String nested = "{\"action\":\"ping\",\"x\":" + "[".repeat(30) + "]".repeat(30) + "}";
        assertInstanceOf(FeedProtocol.Ping.class, FeedProtocol.parse(nested));
        CoordinatorException big = assertThrows(
                CoordinatorException.class,
                () -> FeedProtocol.parse("{\"action\":\"subscribe\",\"after_event_id\":1e30}"));
        assertEquals("after_event_id", big.fields().get(0).field());
    }

    @Test
    void aRateLimitedMessageSaysWhenToRetry() {
        JsonObject m = Json.createReader(new StringReader(FeedProtocol.error(
                        new CoordinatorException(Kind.RATE_LIMITED, "RATE_LIMITED", "too many requests", null, 12L))))
                .readObject();
        assertEquals(429, m.getJsonObject("error").getInt("status"));
        assertEquals(12, m.getJsonObject("error").getInt("retry_after"));
    }

    @Test
    void missingOrUnknownAction() {
        CoordinatorException missing =
                assertThrows(CoordinatorException.class, () -> FeedProtocol.parse("{\"job_id\":\"j\"}"));
        assertEquals("VALIDATION_FAILED", missing.code());
        assertEquals("action", missing.fields().get(0).field());
        CoordinatorException unknown =
                assertThrows(CoordinatorException.class, () -> FeedProtocol.parse("{\"action\":\"dance\"}"));
        assertEquals(400, ErrorStatus.of(unknown));
        assertEquals("UNKNOWN_ACTION", unknown.code());
        assertTrue(
                unknown.getMessage().contains("dance") && unknown.getMessage().contains("subscribe"),
                unknown.getMessage());
    }

    @Test
    void badFieldsAreNamedTogether() {
        CoordinatorException e = assertThrows(
                CoordinatorException.class,
                () -> FeedProtocol.parse("{\"action\":\"subscribe\",\"job_id\":7,\"after_event_id\":-1}"));
        assertEquals(422, ErrorStatus.of(e));
        assertEquals(
                List.of("job_id", "after_event_id"),
                e.fields().stream()
                        .map(CoordinatorException.FieldProblem::field)
                        .toList());
        for (String after : List.of("1.5", "\"3\"", "true", "99999999999999999999999")) {
            CoordinatorException a = assertThrows(
                    CoordinatorException.class,
                    () -> FeedProtocol.parse("{\"action\":\"subscribe\",\"after_event_id\":" + after + "}"),
                    after);
            assertEquals("after_event_id", a.fields().get(0).field(), after);
        }
        CoordinatorException key = assertThrows(
                CoordinatorException.class, () -> FeedProtocol.parse("{\"action\":\"auth\",\"api_key\":\"  \"}"));
        assertEquals("api_key", key.fields().get(0).field());
        String longId = "j".repeat(101);
        assertThrows(
                CoordinatorException.class,
                () -> FeedProtocol.parse("{\"action\":\"unsubscribe\",\"job_id\":\"" + longId + "\"}"));
    }

    @Test
    void errorMessagesCarryTheOneErrorShape() {
        CoordinatorException e = assertThrows(
                CoordinatorException.class,
                () -> FeedProtocol.parse("{\"action\":\"subscribe\",\"after_event_id\":\"x\"}"));
        JsonObject o =
                Json.createReader(new StringReader(FeedProtocol.error(e))).readObject();
        assertEquals("error", o.getString("type"));
        JsonObject error = o.getJsonObject("error");
        assertEquals(422, error.getInt("status"));
        assertEquals("VALIDATION_FAILED", error.getString("code"));
        assertEquals(
                "after_event_id", error.getJsonArray("fields").getJsonObject(0).getString("field"));
        JsonObject plain = Json.createReader(new StringReader(
                        FeedProtocol.error(new CoordinatorException(Kind.NOT_FOUND, "JOB_NOT_FOUND", "no job j"))))
                .readObject();
        assertEquals(null, plain.getJsonObject("error").get("fields"), "fields only for validation errors");
    }

    @Test
    void resyncNamesTheLastEventIdPerSubscription() {
        JsonObject o = Json.createReader(new StringReader(
                        FeedProtocol.resync(7, List.of(new Object[] {"job_a", 7L}, new Object[] {null, 9L}))))
                .readObject();
        assertEquals("resync", o.getString("type"));
        assertEquals(7, o.getJsonNumber("last_event_id").longValue());
        assertEquals("job_a", o.getJsonArray("subscriptions").getJsonObject(0).getString("job_id"));
        assertTrue(o.getJsonArray("subscriptions").getJsonObject(1).isNull("job_id"));
    }

    @Test
    void aSubscriptionMayAskForTheJobsLogsFromOffsets() {
        assertEquals(
                new FeedProtocol.Subscribe("job_x", null, new FeedProtocol.Logs(0, 0)),
                FeedProtocol.parse("{\"action\":\"subscribe\",\"job_id\":\"job_x\",\"logs\":true}"));
        assertEquals(
                new FeedProtocol.Subscribe("job_x", 5L, new FeedProtocol.Logs(120, 7)),
                FeedProtocol.parse("{\"action\":\"subscribe\",\"job_id\":\"job_x\",\"after_event_id\":5,"
                        + "\"logs\":true,\"log_offsets\":{\"stdout\":120,\"stderr\":7}}"));
        assertEquals(
                new FeedProtocol.Subscribe("job_x", null, null),
                FeedProtocol.parse("{\"action\":\"subscribe\",\"job_id\":\"job_x\",\"logs\":false}"));
    }

    @Test
    void badLogRequestsNameTheField() {
        for (String[] bad : new String[][] {
            {"{\"action\":\"subscribe\",\"logs\":true}", "logs"},
            {"{\"action\":\"subscribe\",\"job_id\":\"j\",\"logs\":\"yes\"}", "logs"},
            {
                "{\"action\":\"subscribe\",\"job_id\":\"j\",\"logs\":true,\"log_offsets\":{\"stdin\":0}}",
                "log_offsets.stdin"
            },
            {
                "{\"action\":\"subscribe\",\"job_id\":\"j\",\"logs\":true,\"log_offsets\":{\"stdout\":-1}}",
                "log_offsets.stdout"
            },
            {"{\"action\":\"subscribe\",\"job_id\":\"j\",\"logs\":true,\"log_offsets\":[1]}", "log_offsets"}
        }) {
            CoordinatorException e = assertThrows(CoordinatorException.class, () -> FeedProtocol.parse(bad[0]), bad[0]);
            assertEquals(Kind.INVALID, e.kind(), bad[0]);
            assertEquals(bad[1], e.fields().get(0).field(), bad[0]);
        }
    }

    @Test
    void logMessagesEndOnWholeCharacters() {
        byte[] euro = "a\u20ac".getBytes(java.nio.charset.StandardCharsets.UTF_8); // a + 3 bytes
        assertEquals(4, LogTails.complete(euro, false));
        assertEquals(1, LogTails.complete(java.util.Arrays.copyOf(euro, 3), false), "the cut euro sign waits");
        assertEquals(3, LogTails.complete(java.util.Arrays.copyOf(euro, 3), true), "unless nothing more comes");
        assertEquals(0, LogTails.complete(java.util.Arrays.copyOfRange(euro, 1, 3), false));
        assertEquals(2, LogTails.complete("ab".getBytes(java.nio.charset.StandardCharsets.UTF_8), false));
    }
}
