package org.aitbc.coordinator.interfaces.ws;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParser;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.FieldProblem;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.LogStream;
import org.aitbc.coordinator.interfaces.mapping.ErrorStatus;

/**
 * The feed's messages. Clients send {@code {"action": "auth" | "subscribe" | "unsubscribe" |
 * "ping", ...}}; the server sends job events (the same JSON as {@code GET /v1/jobs/{id}/events})
 * and control messages told apart by {@code type}: {@code authenticated}, {@code subscribed},
 * {@code caught_up}, {@code unsubscribed}, {@code pong}, {@code resync} and {@code error}, whose
 * {@code error} member has the API's one error shape ({@code status, code, message, fields?}).
 * A subscription to one job with {@code "logs": true} (and {@code "log_offsets": {"stdout": N,
 * "stderr": M}} to resume) also gets that job's live logs: {@code log} messages ({@code job_id,
 * stream, offset, next_offset, data}) and one {@code log_end} per stream after the job ended
 * ({@link LogTails}).
 */
final class FeedProtocol {
    static final String HOW_TO_AUTHENTICATE = "authenticate with the X-Api-Key header on the handshake, the api_key "
            + "query parameter (ws://host/v1/jobs/ws?api_key=...), or a first message "
            + "{\"action\":\"auth\",\"api_key\":\"...\"}";
    private static final String ACTIONS = "auth, subscribe, unsubscribe, ping";
    private static final int MAX_JOB_ID = 100;
    /** Messages are flat objects; a little room for what clients add, nothing like the REST bodies. */
    static final int MAX_DEPTH = 32;

    static final int MAX_NUMBER_CHARS = 100;

    private FeedProtocol() {}

    /** A client's message, checked. */
    sealed interface Request permits Auth, Subscribe, Unsubscribe, Ping {}

    record Auth(String apiKey) implements Request {}

    /**
     * {@code jobId} null: all of the caller's jobs. {@code afterEventId} null: the default start.
     * {@code logs} null: no live logs; else the job's log messages from these offsets.
     */
    record Subscribe(String jobId, Long afterEventId, Logs logs) implements Request {
        Subscribe(String jobId, Long afterEventId) {
            this(jobId, afterEventId, null);
        }
    }

    /** {@code "logs": true}: the offsets the job's streams start from ({@code "log_offsets"}, 0 when not named). */
    record Logs(long stdout, long stderr) {}

    record Unsubscribe(String jobId) implements Request {}

    record Ping() implements Request {}

    /** Parses one text message; a bad one is a {@link CoordinatorException} naming what is wrong. */
    static Request parse(String text) {
        checkShape(text);
        JsonValue value;
        try (JsonParser parser = Json.createParser(new StringReader(text))) {
            parser.next();
            value = parser.getValue();
        } catch (RuntimeException e) {
            // The parser's own failures (JsonException, NumberFormatException, ...): never silence.
            throw malformed();
        }
        if (value.getValueType() != JsonValue.ValueType.OBJECT) {
            throw malformed();
        }
        JsonObject o = value.asJsonObject();
        JsonValue action = o.get("action");
        if (!(action instanceof JsonString s)) {
            throw CoordinatorException.validation(
                    List.of(new FieldProblem("action", "is required: one of " + ACTIONS)));
        }
        List<FieldProblem> problems = new ArrayList<>();
        Request request = switch (s.getString()) {
            case "auth" -> new Auth(apiKey(o, problems));
            case "subscribe" -> subscribe(o, problems);
            case "unsubscribe" -> new Unsubscribe(jobId(o, problems));
            case "ping" -> new Ping();
            default ->
                throw new CoordinatorException(
                        Kind.MALFORMED,
                        "UNKNOWN_ACTION",
                        "unknown action \"" + clip(s.getString()) + "\"; use one of " + ACTIONS);
        };
        if (!problems.isEmpty()) {
            throw CoordinatorException.validation(problems);
        }
        return request;
    }

    private static CoordinatorException malformed() {
        return new CoordinatorException(
                Kind.MALFORMED,
                "MALFORMED_JSON",
                "messages must be JSON objects such as "
                        + "{\"action\":\"subscribe\",\"job_id\":\"job_...\",\"after_event_id\":0}");
    }

    /**
     * Reads the message as a stream first, without building it: exactly one JSON value, nested at
     * most {@value #MAX_DEPTH} deep, every number at most {@value #MAX_NUMBER_CHARS} characters
     * with an exponent a {@link java.math.BigDecimal} can hold. So that no message can make the
     * parser recurse, allocate or throw its way past an answer.
     */
    private static void checkShape(String text) {
        try (JsonParser parser = Json.createParser(new StringReader(text))) {
            if (!parser.hasNext()) {
                throw malformed();
            }
            int depth = 0;
            boolean first = true;
            while (first || depth > 0) {
                JsonParser.Event e = parser.next();
                first = false;
                switch (e) {
                    case START_OBJECT, START_ARRAY -> {
                        if (++depth > MAX_DEPTH) {
                            throw new CoordinatorException(
                                    Kind.MALFORMED,
                                    "MALFORMED_JSON",
                                    "messages may nest at most " + MAX_DEPTH + " levels deep");
                        }
                    }
                    case END_OBJECT, END_ARRAY -> depth--;
                    case VALUE_NUMBER -> checkNumber(parser.getString());
                    default -> {}
                }
            }
            if (parser.hasNext()) {
                throw malformed(); // something after the value
            }
        } catch (CoordinatorException e) {
            throw e;
        } catch (RuntimeException e) {
            throw malformed();
        }
    }

    private static void checkNumber(String number) {
        boolean fits = number.length() <= MAX_NUMBER_CHARS;
        if (fits) {
            try {
                new java.math.BigDecimal(number);
            } catch (NumberFormatException | ArithmeticException e) {
                fits = false;
            }
        }
        if (!fits) {
            throw new CoordinatorException(
                    Kind.MALFORMED,
                    "MALFORMED_JSON",
                    "numbers in messages may have at most " + MAX_NUMBER_CHARS
                            + " characters and an exponent that fits");
        }
    }

    private static String apiKey(JsonObject o, List<FieldProblem> problems) {
        JsonValue v = o.get("api_key");
        if (v instanceof JsonString s && !s.getString().isBlank()) {
            return s.getString().trim();
        }
        problems.add(new FieldProblem("api_key", "is required: your API key as a string"));
        return null;
    }

    private static String jobId(JsonObject o, List<FieldProblem> problems) {
        JsonValue v = o.get("job_id");
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v instanceof JsonString s
                && !s.getString().isBlank()
                && s.getString().length() <= MAX_JOB_ID) {
            return s.getString();
        }
        problems.add(new FieldProblem("job_id", "must be a job id string, or left out for all of your jobs"));
        return null;
    }

    private static Subscribe subscribe(JsonObject o, List<FieldProblem> problems) {
        String jobId = jobId(o, problems);
        Long after = afterEventId(o, problems);
        JsonValue logs = o.get("logs");
        boolean wantLogs = false;
        if (logs == JsonValue.TRUE) {
            wantLogs = true;
            if (jobId == null && o.get("job_id") == null) {
                problems.add(new FieldProblem("logs", "needs a job_id: live logs are followed one job at a time"));
            }
        } else if (logs != null && logs != JsonValue.FALSE && logs.getValueType() != JsonValue.ValueType.NULL) {
            problems.add(new FieldProblem("logs", "must be true or false"));
        }
        long[] offsets = {0, 0};
        JsonValue given = o.get("log_offsets");
        if (given != null && given.getValueType() != JsonValue.ValueType.NULL) {
            if (given.getValueType() != JsonValue.ValueType.OBJECT) {
                problems.add(
                        new FieldProblem("log_offsets", "must be an object such as {\"stdout\": 0, \"stderr\": 0}"));
            } else {
                for (var e : given.asJsonObject().entrySet()) {
                    LogStream stream = LogStream.of(e.getKey());
                    Long offset = e.getValue() instanceof JsonNumber n && n.isIntegral() ? exact(n) : null;
                    if (stream == null) {
                        problems.add(new FieldProblem(
                                "log_offsets." + clip(e.getKey()), "is not a stream: use stdout or stderr"));
                    } else if (offset == null || offset < 0) {
                        problems.add(
                                new FieldProblem("log_offsets." + stream.wire(), "must be a whole number, 0 or more"));
                    } else {
                        offsets[stream.ordinal()] = offset;
                    }
                }
            }
        }
        return new Subscribe(jobId, after, wantLogs ? new Logs(offsets[0], offsets[1]) : null);
    }

    private static Long exact(JsonNumber n) {
        try {
            return n.longValueExact();
        } catch (ArithmeticException tooLarge) {
            return null;
        }
    }

    private static Long afterEventId(JsonObject o, List<FieldProblem> problems) {
        JsonValue v = o.get("after_event_id");
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v instanceof JsonNumber n && n.isIntegral()) {
            try {
                long after = n.longValueExact();
                if (after >= 0) {
                    return after;
                }
            } catch (ArithmeticException tooLarge) {
                // reported below
            }
        }
        problems.add(new FieldProblem("after_event_id", "must be a whole number, 0 or more"));
        return null;
    }

    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }

    // Messages the server sends.

    static String error(CoordinatorException e) {
        JsonObjectBuilder error = Json.createObjectBuilder()
                .add("status", ErrorStatus.of(e))
                .add("code", e.code())
                .add("message", e.getMessage());
        if (e.fields() != null && !e.fields().isEmpty()) {
            JsonArrayBuilder fields = Json.createArrayBuilder();
            e.fields()
                    .forEach(f -> fields.add(
                            Json.createObjectBuilder().add("field", f.field()).add("message", f.message())));
            error.add("fields", fields);
        }
        if (e.retryAfterSeconds() != null) {
            // What the Retry-After header says on REST: the seconds to wait before the next message.
            error.add("retry_after", e.retryAfterSeconds());
        }
        return Json.createObjectBuilder()
                .add("type", "error")
                .add("error", error)
                .build()
                .toString();
    }

    static String authenticated(String accountId, String role, boolean followingAll, long liveAfter) {
        JsonObjectBuilder b = Json.createObjectBuilder()
                .add("type", "authenticated")
                .add("account_id", accountId)
                .add("role", role);
        if (followingAll) {
            b.add("following", "all_jobs").add("after_event_id", liveAfter);
        } else {
            b.add("following", "nothing");
        }
        return b.build().toString();
    }

    static String subscribed(String jobId, long after) {
        return withJob(Json.createObjectBuilder().add("type", "subscribed"), jobId)
                .add("after_event_id", after)
                .build()
                .toString();
    }

    static String caughtUp(String jobId, long lastEventId) {
        return withJob(Json.createObjectBuilder().add("type", "caught_up"), jobId)
                .add("last_event_id", lastEventId)
                .build()
                .toString();
    }

    static String unsubscribed(String jobId) {
        return withJob(Json.createObjectBuilder().add("type", "unsubscribed"), jobId)
                .build()
                .toString();
    }

    /** Bytes {@code [offset, next)} of a job's log, as text (the next message of the stream starts at {@code next}). */
    static String log(String jobId, LogStream stream, long offset, long next, String data) {
        return Json.createObjectBuilder()
                .add("type", "log")
                .add("job_id", jobId)
                .add("stream", stream.wire())
                .add("offset", offset)
                .add("next_offset", next)
                .add("data", data)
                .build()
                .toString();
    }

    /** The job ended and every byte of the stream, up to {@code offset}, was sent. */
    static String logEnd(String jobId, LogStream stream, long offset) {
        return Json.createObjectBuilder()
                .add("type", "log_end")
                .add("job_id", jobId)
                .add("stream", stream.wire())
                .add("offset", offset)
                .build()
                .toString();
    }

    static String pong() {
        return "{\"type\":\"pong\"}";
    }

    /** {@code cursors}: for each subscription, its job id (null for all jobs) and the last event id it received. */
    static String resync(long lastEventId, List<Object[]> cursors) {
        JsonArrayBuilder subs = Json.createArrayBuilder();
        for (Object[] c : cursors) {
            subs.add(withJob(Json.createObjectBuilder(), (String) c[0]).add("last_event_id", (Long) c[1]));
        }
        return Json.createObjectBuilder()
                .add("type", "resync")
                .add("last_event_id", lastEventId)
                .add(
                        "message",
                        "this connection fell too far behind and is being closed; reconnect and subscribe "
                                + "again with after_event_id set to last_event_id to receive what you missed")
                .add("subscriptions", subs)
                .build()
                .toString();
    }

    private static JsonObjectBuilder withJob(JsonObjectBuilder b, String jobId) {
        return jobId == null ? b.addNull("job_id") : b.add("job_id", jobId);
    }
}
