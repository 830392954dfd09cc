package org.aitbc.coordinator.interfaces.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.time.Instant;
import java.util.List;
import org.aitbc.coordinator.wire.JobResult;
import org.aitbc.coordinator.wire.MinerAnswers;
import org.aitbc.coordinator.wire.ResultAnswers;
import org.junit.jupiter.api.Test;

/**
 * The answers that were built as JSON objects by hand and are wire records now: each writes, through
 * the server's JSON-B settings, exactly the text the hand-built object wrote (names, order, nulls, times).
 */
class AnswerJsonTest {
    private static final Instant AT = Instant.parse("2026-12-01T09:00:00Z");
    private static final Instant AT_MS = Instant.parse("2026-12-08T09:00:00.123Z");

    private static String json(Object record) {
        return JsonbProvider.jsonb().toJson(record);
    }

    @Test
    void verification() {
        JsonObjectBuilder missing = Json.createObjectBuilder()
                .add("path", "logs/x.log")
                .add("size_bytes", 0)
                .add("ok", false);
        missing.addNull("sha256");
        String before = Json.createObjectBuilder()
                .add("job_id", "job_1")
                .add("verified", false)
                .add(
                        "files",
                        Json.createArrayBuilder()
                                .add(Json.createObjectBuilder()
                                        .add("path", "output.json")
                                        .add("size_bytes", 12)
                                        .add("ok", true)
                                        .add("sha256", "ab12"))
                                .add(missing))
                .build()
                .toString();
        assertEquals(
                before,
                json(new ResultAnswers.Verification(
                        "job_1",
                        false,
                        List.of(
                                new ResultAnswers.FileCheck("output.json", 12, true, "ab12"),
                                new ResultAnswers.FileCheck("logs/x.log", 0, false, null)))));
    }

    @Test
    void shareLinks() {
        assertEquals(
                Json.createObjectBuilder()
                        .add("share_id", "shr_1")
                        .add("url", "http://h/v1/shares/t")
                        .add("expires_at", AT_MS.toString())
                        .build()
                        .toString(),
                json(new ResultAnswers.ShareLink("shr_1", "http://h/v1/shares/t", AT_MS)));
        JsonObjectBuilder live = Json.createObjectBuilder()
                .add("share_id", "shr_1")
                .add("created_at", AT.toString())
                .add("expires_at", AT_MS.toString());
        live.addNull("revoked_at");
        String before = Json.createObjectBuilder()
                .add(
                        "shares",
                        Json.createArrayBuilder()
                                .add(live)
                                .add(Json.createObjectBuilder()
                                        .add("share_id", "shr_2")
                                        .add("created_at", AT.toString())
                                        .add("expires_at", AT_MS.toString())
                                        .add("revoked_at", AT.toString())))
                .build()
                .toString();
        assertEquals(
                before,
                json(new ResultAnswers.ShareList(List.of(
                        new ResultAnswers.ShareView("shr_1", AT, AT_MS, null),
                        new ResultAnswers.ShareView("shr_2", AT, AT_MS, AT)))));
        assertEquals(
                Json.createObjectBuilder()
                        .add("share_id", "shr_1")
                        .add("revoked_at", AT_MS.toString())
                        .build()
                        .toString(),
                json(new ResultAnswers.ShareRevoked("shr_1", AT_MS)));
        assertEquals("{\"shares\":[]}", json(new ResultAnswers.ShareList(List.of())));
    }

    @Test
    void storedFileAndJobResult() {
        assertEquals(
                Json.createObjectBuilder()
                        .add("path", "logs/a.log")
                        .add("size_bytes", 5)
                        .add("sha256", "cd34")
                        .build()
                        .toString(),
                json(new MinerAnswers.Stored("logs/a.log", 5, "cd34")));
        JsonValue result =
                Json.createObjectBuilder().add("output", "Hello").add("n", 1).build();
        assertEquals(
                Json.createObjectBuilder()
                        .add("job_id", "job_1")
                        .add("status", "completed")
                        .add("result", result)
                        .add("metrics", JsonValue.NULL)
                        .build()
                        .toString(),
                json(new JobResult("job_1", "completed", result, JsonValue.NULL)));
        JsonValue list = Json.createArrayBuilder().add("a").add(JsonValue.NULL).build();
        assertEquals(
                Json.createObjectBuilder()
                        .add("job_id", "job_1")
                        .add("status", "canceled")
                        .add("result", JsonValue.NULL)
                        .add("metrics", list)
                        .build()
                        .toString(),
                json(new JobResult("job_1", "canceled", JsonValue.NULL, list)));
    }
}
