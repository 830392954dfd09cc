package org.aitbc.coordinator.interfaces.rest;

import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.application.JobLogs;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.LogOffsets;
import org.aitbc.coordinator.domain.LogStream;
import org.aitbc.coordinator.wire.LogAnswers;

/**
 * The live-log routes' requests and answers: an append's body ({@code {"stream", "data"}} as JSON,
 * or the bytes themselves with {@code ?stream=}) and its {@code X-Log-Offset}; a read from an
 * offset, and a follow that streams new bytes until the job ends. The routes themselves are
 * methods of {@link MinerResource} and {@link JobResource}, under the paths of their families.
 */
final class LogRoutes {
    static final String OFFSET_HEADER = "X-Log-Offset";
    static final String NEXT_OFFSET_HEADER = "X-Log-Next-Offset";
    static final String START_OFFSET_HEADER = "X-Log-Start-Offset";
    static final String COMPLETE_HEADER = "X-Log-Complete";
    private static final int CHUNK = 64 * 1024;
    /** A follow answer without a new byte for this long ends (the client follows again): a follower that left is noticed only when a write fails. */
    static final long FOLLOW_IDLE_MS = 30_000;
    /** Followers answering on this server now; each holds a request thread ({@link #read}). */
    private static final java.util.concurrent.atomic.AtomicInteger FOLLOWING =
            new java.util.concurrent.atomic.AtomicInteger();

    private static final String STREAMS = "stdout or stderr";

    private LogRoutes() {}

    /** Sends the answer's status and headers now (the servlet response's flushBuffer). */
    @FunctionalInterface
    interface Commit {
        void run() throws IOException;
    }

    /** A parsed append: to which stream, at which offset (null: the end), which bytes. */
    record Append(LogStream stream, Long offset, byte[] data) {}

    /**
     * Reads an append. A JSON body (application/json, none, or what {@code curl -d} sends) is
     * {@code {"stream": "stdout"|"stderr", "data": "..."}} (the stream may be in {@code ?stream=}
     * instead, default stdout); any other type is the bytes themselves, for {@code ?stream=}.
     */
    static Append append(MediaType type, String streamQuery, String offsetHeader, InputStream body, int maxAppend) {
        Long offset = offsetHeader == null || offsetHeader.isBlank()
                ? null
                : ListFilters.longParam(OFFSET_HEADER, offsetHeader, 0);
        LogStream queried = streamQuery == null ? null : stream("stream", streamQuery);
        boolean json = type == null
                || (type.getType().equalsIgnoreCase("application")
                        && (type.getSubtype().equalsIgnoreCase("json")
                                || type.getSubtype().equalsIgnoreCase("x-www-form-urlencoded")));
        if (!json) {
            return new Append(queried == null ? LogStream.STDOUT : queried, offset, bytes(body, maxAppend));
        }
        // Escapes make JSON text longer than its data: room for every byte written as \\u0000.
        JsonObject o = JsonBody.object(body, (int) Math.min(Integer.MAX_VALUE - 8, maxAppend * 6L + 4096), false);
        JsonBody check = new JsonBody();
        LogStream stream = queried;
        JsonValue s = o.get("stream");
        if (s != null && s.getValueType() != JsonValue.ValueType.NULL) {
            if (!(s instanceof JsonString str) || LogStream.of(str.getString()) == null) {
                check.problem("stream", "must be " + STREAMS);
            } else if (queried != null && queried != LogStream.of(str.getString())) {
                check.problem("stream", "names another stream than ?stream= does");
            } else {
                stream = LogStream.of(str.getString());
            }
        }
        JsonValue d = o.get("data");
        byte[] data = null;
        if (!(d instanceof JsonString text)) {
            check.problem("data", "is required: the text to append, as a string");
        } else {
            data = text.getString().getBytes(StandardCharsets.UTF_8);
            if (data.length > maxAppend) {
                throw tooLarge(maxAppend);
            }
        }
        check.check();
        return new Append(stream == null ? LogStream.STDOUT : stream, offset, data);
    }

    private static CoordinatorException tooLarge(int maxAppend) {
        return new CoordinatorException(
                Kind.TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "data may be at most " + maxAppend + " bytes per append; send more appends",
                java.util.List.of(new CoordinatorException.FieldProblem("data", "is over " + maxAppend + " bytes")),
                null);
    }

    private static byte[] bytes(InputStream in, int max) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (in == null) {
            return out.toByteArray();
        }
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > max) {
                    throw tooLarge(max);
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new CoordinatorException(Kind.MALFORMED, "BAD_REQUEST", "the request body could not be read");
        }
        return out.toByteArray();
    }

    /** The stream a parameter names: 400 naming the parameter for anything else. */
    static LogStream stream(String name, String value) {
        ListFilters.plain(name, value);
        LogStream s = LogStream.of(value.trim());
        if (s == null) {
            throw CoordinatorException.badParameter(name, "must be " + STREAMS);
        }
        return s;
    }

    static LogAnswers.Appended answer(String jobId, LogStream stream, LogOffsets.Appended a, long maxBytes) {
        String message = a.truncated()
                ? "the " + stream.wire() + " log is over " + maxBytes + " bytes: only its tail is kept, from offset "
                        + a.keptFrom()
                : null;
        return new LogAnswers.Appended(
                "ok",
                jobId,
                stream.wire(),
                a.offset(),
                a.nextOffset(),
                a.end(),
                a.written(),
                a.duplicate(),
                a.truncated(),
                a.keptFrom(),
                message);
    }

    /**
     * {@code GET /v1/jobs/{id}/logs}: the bytes from {@code offset} (from the first kept when it is
     * lower) to the end as it is now, with the next offset in {@code X-Log-Next-Offset}; or, with
     * {@code follow}, the bytes as they are appended until the job ends (chunked, 64 KiB at most
     * in memory). {@code X-Log-Start-Offset} is where the bytes begin; {@code X-Log-Complete: true}
     * says the job ended, so no byte will follow.
     */
    static Response read(
            JobLogs logs,
            Caller caller,
            String jobId,
            String streamParam,
            String offsetParam,
            String followParam,
            int maxFollowers,
            Commit commit) {
        LogStream stream = streamParam == null ? LogStream.STDOUT : stream("stream", streamParam);
        long offset =
                offsetParam == null || offsetParam.isBlank() ? 0 : ListFilters.longParam("offset", offsetParam, 0);
        boolean follow = flag("follow", followParam);
        Job job = logs.readable(caller, jobId);
        boolean ended = job.getState().isFinal();
        JobLogs.Chunk first = logs.read(jobId, stream, offset, 0);
        if (offset > first.end()) {
            throw new CoordinatorException(
                    Kind.OUT_OF_RANGE,
                    "OFFSET_PAST_END",
                    "offset " + offset + " is past the end of the " + stream.wire() + " log (" + first.end() + ")",
                    java.util.List.of(
                            new CoordinatorException.FieldProblem("offset", "is past the end (" + first.end() + ")")),
                    null);
        }
        long start = first.offset();
        Response.ResponseBuilder r = Response.ok()
                .type("text/plain; charset=utf-8")
                .header(START_OFFSET_HEADER, start)
                .header("Cache-Control", "no-store");
        if (!follow) {
            long end = first.end();
            StreamingOutput body = out -> {
                long at = start;
                while (at < end) {
                    JobLogs.Chunk c = logs.read(jobId, stream, at, (int) Math.min(CHUNK, end - at));
                    if (c.bytes().length == 0) {
                        break;
                    }
                    out.write(c.bytes());
                    at = c.next();
                }
            };
            return r.entity(body)
                    .header(NEXT_OFFSET_HEADER, end)
                    .header(COMPLETE_HEADER, ended)
                    .build();
        }
        // Each follower holds a request thread while it waits: beyond the limit the API would starve.
        if (FOLLOWING.incrementAndGet() > maxFollowers) {
            FOLLOWING.decrementAndGet();
            throw new CoordinatorException(
                    Kind.UNAVAILABLE,
                    "TOO_MANY_FOLLOWERS",
                    "this server already streams " + maxFollowers + " logs; follow over the WebSocket feed "
                            + "(\"logs\": true) or try again later",
                    null,
                    5L);
        }
        StreamingOutput body = out -> {
            try {
                // The status and headers go out at once, not with the first byte: a follower knows it
                // follows (and from where) before anything is appended, and does not give up waiting.
                // Neither a flush nor an empty write commits them (the runtime sends them with the first
                // byte): the servlet response's flushBuffer does, once the empty write has set them.
                out.write(new byte[0]);
                out.flush();
                commit.run();
                follow(logs, caller, jobId, stream, start, ended, out);
            } finally {
                FOLLOWING.decrementAndGet();
            }
        };
        return r.entity(body).header(COMPLETE_HEADER, ended).build();
    }

    private static void follow(
            JobLogs logs, Caller caller, String jobId, LogStream stream, long start, boolean ended, OutputStream out) {
        {
            long at = start;
            boolean sawEnd = ended;
            long lastByte = System.currentTimeMillis();
            while (true) {
                JobLogs.Chunk c = logs.read(jobId, stream, at, CHUNK);
                if (c.bytes().length > 0) {
                    try {
                        out.write(c.bytes());
                        out.flush();
                    } catch (IOException gone) {
                        return; // the follower left; it resumes from the offset it got to
                    }
                    at = c.next();
                    lastByte = System.currentTimeMillis();
                    continue;
                }
                if (sawEnd || System.currentTimeMillis() - lastByte > FOLLOW_IDLE_MS) {
                    return;
                }
                // Looked at after reading to the end: once it says ended, one more read takes the last bytes.
                sawEnd = logs.ended(caller, jobId);
                if (!sawEnd) {
                    try {
                        logs.await(jobId, stream, at);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }
    }

    private static boolean flag(String name, String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        ListFilters.plain(name, value);
        return switch (value.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw CoordinatorException.badParameter(name, "must be true or false");
        };
    }
}
