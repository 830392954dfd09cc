package org.aitbc.coordinator.it.logs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.WsClient;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Live logs through the real server: a miner appends while followers read them over HTTP
 * ({@code follow=true}) and over the WebSocket, drop and resume from their offsets; retries are
 * not doubled; a lost lease refuses appends; bad input names its field; the package holds the
 * same bytes.
 */
class LiveLogsIT {
    private static final int LINES = 2000;

    @BeforeAll
    static void ready() {
        Api.awaitReady();
    }

    /** A running job held by a fresh miner: [client key, miner key, miner id, job id]. */
    private static String[] runningJob() {
        String client = Api.client();
        String miner = Api.miner();
        String region = Api.uniqueRegion();
        String minerId = "logs-" + region;
        Api.register(miner, minerId, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(miner, minerId, 5));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + minerId, miner, "{}")
                .expect(200);
        return new String[] {client, miner, minerId, job};
    }

    private static String logsPath(String job, String minerId, String query) {
        return "/v1/miners/" + job + "/logs?miner_id=" + minerId + (query == null ? "" : "&" + query);
    }

    /** A JSON append at {@code offset} (null: none sent). */
    private static Api.Res append(String miner, String minerId, String job, String stream, String data, Long offset) {
        String body = jakarta.json.Json.createObjectBuilder()
                .add("stream", stream)
                .add("data", data)
                .build()
                .toString();
        return Api.call(
                "POST",
                logsPath(job, minerId, null),
                miner,
                body,
                offset == null ? Map.of() : Map.of("X-Log-Offset", offset.toString()));
    }

    private static Api.Res appendText(
            String miner, String minerId, String job, String query, byte[] data, Long offset) {
        Map<String, String> headers = new java.util.HashMap<>(Map.of("Content-Type", "text/plain; charset=utf-8"));
        if (offset != null) {
            headers.put("X-Log-Offset", offset.toString());
        }
        Api.Bytes r = Api.bytes("POST", logsPath(job, minerId, query), miner, data, headers);
        return new Api.Res(r.status(), new String(r.body(), StandardCharsets.UTF_8), r.headers());
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private static Set<String> fields(Api.Res r) {
        return r.json().getJsonObject("error").getJsonArray("fields").stream()
                .map(v -> v.asJsonObject().getString("field"))
                .collect(Collectors.toSet());
    }

    /** Follows over HTTP from {@code offset}; stops after {@code dropAfter} bytes (-1: at the end of the answer). */
    private static byte[] follow(String client, String job, long offset, long dropAfter) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(
                        URI.create(Api.BASE + "/v1/jobs/" + job + "/logs?stream=stdout&follow=true&offset=" + offset))
                .header("X-Api-Key", client)
                .timeout(Duration.ofSeconds(120))
                .build();
        HttpResponse<InputStream> r = Api.HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals(
                String.valueOf(offset),
                r.headers().firstValue("X-Log-Start-Offset").orElse(""));
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (InputStream in = r.body()) {
            byte[] buf = new byte[1024];
            int n;
            while ((n = in.read(
                            buf, 0, dropAfter < 0 ? buf.length : (int) Math.min(buf.length, dropAfter - got.size())))
                    > 0) {
                got.write(buf, 0, n);
                if (dropAfter >= 0 && got.size() >= dropAfter) {
                    break; // drop the connection midway
                }
            }
        }
        return got.toByteArray();
    }

    /** Follows over the WebSocket from {@code offset}; returns the bytes and whether log_end came (else it dropped). */
    private static byte[] followWs(String client, String job, long offset, long dropAfter, boolean[] ended) {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (WsClient ws = WsClient.authenticated(client)) {
            ws.send("{\"action\":\"subscribe\",\"job_id\":\"" + job + "\",\"after_event_id\":0,\"logs\":true,"
                    + "\"log_offsets\":{\"stdout\":" + offset + "}}");
            long expected = offset;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (System.nanoTime() < deadline) {
                JsonObject m = ws.next(Duration.ofSeconds(60));
                String type = m.getString("type", "");
                if (type.equals("error")) {
                    throw new AssertionError("feed error: " + m);
                }
                if (!"stdout".equals(m.getString("stream", ""))) {
                    continue;
                }
                if (type.equals("log_end")) {
                    assertEquals(expected, m.getJsonNumber("offset").longValue());
                    ended[0] = true;
                    return got.toByteArray();
                }
                if (type.equals("log")) {
                    assertEquals(expected, m.getJsonNumber("offset").longValue(), "messages follow one another");
                    byte[] data = m.getString("data").getBytes(StandardCharsets.UTF_8);
                    got.write(data, 0, data.length);
                    expected = m.getJsonNumber("next_offset").longValue();
                    assertEquals(offset + got.size(), expected);
                    if (dropAfter >= 0 && got.size() >= dropAfter) {
                        return got.toByteArray(); // closing drops the connection midway
                    }
                }
            }
            throw new AssertionError("the WebSocket follower did not see the end");
        }
    }

    @Test
    void followersThatDropAndResumeSeeEveryLineOnceAndThePackageHoldsTheSameBytes() throws Exception {
        String[] j = runningJob();
        String client = j[0], miner = j[1], minerId = j[2], job = j[3];
        StringBuilder all = new StringBuilder();
        for (int i = 1; i <= LINES; i++) {
            all.append("line ").append(i).append('\n');
        }
        byte[] expected = all.toString().getBytes(StandardCharsets.UTF_8);
        long half = expected.length / 2;

        CompletableFuture<byte[]> http = CompletableFuture.supplyAsync(() -> {
            try {
                byte[] first = follow(client, job, 0, half);
                byte[] rest = follow(client, job, first.length, -1);
                ByteArrayOutputStream both = new ByteArrayOutputStream();
                both.write(first);
                both.write(rest);
                return both.toByteArray();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        CompletableFuture<byte[]> ws = CompletableFuture.supplyAsync(() -> {
            boolean[] ended = {false};
            byte[] first = followWs(client, job, 0, half / 2, ended);
            assertFalse(ended[0]);
            byte[] rest = followWs(client, job, first.length, -1, ended);
            assertTrue(ended[0], "log_end after the job ended");
            ByteArrayOutputStream both = new ByteArrayOutputStream();
            both.write(first, 0, first.length);
            both.write(rest, 0, rest.length);
            return both.toByteArray();
        });

        try (AutoCloseable beats = Api.keepAlive(miner, List.of(minerId))) {
            long offset = 0;
            int line = 1;
            int appends = 0;
            while (line <= LINES) {
                StringBuilder chunk = new StringBuilder();
                int n = 1 + (appends % 7);
                for (int k = 0; k < n && line <= LINES; k++, line++) {
                    chunk.append("line ").append(line).append('\n');
                }
                Api.Res r = appends % 3 == 0
                        ? appendText(
                                miner,
                                minerId,
                                job,
                                "stream=stdout",
                                chunk.toString().getBytes(StandardCharsets.UTF_8),
                                offset)
                        : append(miner, minerId, job, "stdout", chunk.toString(), offset);
                r.expect(200);
                assertEquals(offset, r.json().getJsonNumber("offset").longValue());
                long next = r.json().getJsonNumber("next_offset").longValue();
                if (appends % 10 == 0) {
                    // A retry, as after a lost answer: acknowledged, not written again.
                    Api.Res again = append(miner, minerId, job, "stdout", chunk.toString(), offset)
                            .expect(200);
                    assertTrue(again.json().getBoolean("duplicate"), again.body());
                    assertEquals(0, again.json().getJsonNumber("written").longValue());
                    assertEquals(next, again.json().getJsonNumber("next_offset").longValue());
                }
                offset = next;
                appends++;
                if (appends % 25 == 0) {
                    Thread.sleep(20); // let the followers catch up now and then
                }
            }
            assertEquals(expected.length, offset);
            append(miner, minerId, job, "stderr", "warning: done\n", null).expect(200);
            Api.post(
                            "/v1/miners/" + job + "/result?miner_id=" + minerId,
                            miner,
                            "{\"result\":{\"output\":\"ok\"},\"metrics\":{}}")
                    .expect(200);
        }

        byte[] viaHttp = http.get(120, TimeUnit.SECONDS);
        byte[] viaWs = ws.get(120, TimeUnit.SECONDS);
        assertEquals(all.toString(), new String(viaHttp, StandardCharsets.UTF_8), "HTTP follower: lines 1..2000 once");
        assertEquals(
                all.toString(), new String(viaWs, StandardCharsets.UTF_8), "WebSocket follower: lines 1..2000 once");

        Api.Bytes packaged =
                Api.bytes("GET", "/v1/jobs/" + job + "/download?file=logs/stdout.log", client, null, Map.of());
        assertEquals(200, packaged.status());
        assertEquals(sha256(expected), sha256(packaged.body()), "the package's logs/stdout.log holds the same bytes");
        assertEquals(sha256(viaHttp), sha256(packaged.body()));
        Api.Bytes err = Api.bytes("GET", "/v1/jobs/" + job + "/download?file=logs/stderr.log", client, null, Map.of());
        assertEquals("warning: done\n", new String(err.body(), StandardCharsets.UTF_8));
        String manifest =
                Api.get("/v1/jobs/" + job + "/checksum", client).expect(200).body();
        assertTrue(manifest.contains(sha256(expected) + "  logs/stdout.log"), manifest);

        // After the end a plain read gives everything, says where to resume and that nothing follows.
        Api.Bytes whole = Api.bytes("GET", "/v1/jobs/" + job + "/logs", client, null, Map.of());
        assertEquals(200, whole.status());
        assertArrayEquals(expected, whole.body());
        assertEquals(
                String.valueOf(expected.length),
                whole.headers().firstValue("X-Log-Next-Offset").orElse(""));
        assertEquals("true", whole.headers().firstValue("X-Log-Complete").orElse(""));
        Api.Bytes tail =
                Api.bytes("GET", "/v1/jobs/" + job + "/logs?offset=" + (expected.length - 10), client, null, Map.of());
        assertEquals("line 2000\n", new String(tail.body(), StandardCharsets.UTF_8));
    }

    @Test
    void retriesAreNotDoubledOtherBytesAtAnOffsetAreRefusedAndALostLeaseRefusesAppends() throws IOException {
        String[] j = runningJob();
        String client = j[0], miner = j[1], minerId = j[2], job = j[3];
        append(miner, minerId, job, "stdout", "one\n", 0L).expect(200);
        Api.Res again = append(miner, minerId, job, "stdout", "one\n", 0L).expect(200);
        assertTrue(again.json().getBoolean("duplicate"));
        assertEquals(4, again.json().getJsonNumber("end").longValue());

        Api.Res other = append(miner, minerId, job, "stdout", "two\n", 0L).expectError(409, "LOG_OFFSET_CONFLICT");
        assertTrue(other.body().contains("ends at 4") || other.body().contains("(4)"), other.body());
        assertEquals(Set.of("X-Log-Offset"), fields(other));
        Api.Res past = append(miner, minerId, job, "stdout", "two\n", 9L).expectError(409, "LOG_OFFSET_CONFLICT");
        assertTrue(past.body().contains("ends at 4"), past.body());

        // Plain text with ?stream=, without an offset: at the end of that stream.
        Api.Res text = appendText(miner, minerId, job, "stream=stderr", "oops\n".getBytes(StandardCharsets.UTF_8), null)
                .expect(200);
        assertEquals("stderr", text.str("stream"));
        assertEquals(5, text.json().getJsonNumber("next_offset").longValue());

        // The miner starts a new session: the job it held is requeued, and its appends are refused.
        Api.register(miner, minerId, "elsewhere-" + Api.uniqueRegion(), 1);
        append(miner, minerId, job, "stdout", "late\n", 4L).expectError(409, "LEASE_LOST");
        appendText(miner, minerId, job, "stream=stdout", "late\n".getBytes(StandardCharsets.UTF_8), null)
                .expectError(409, "LEASE_LOST");
        Api.Bytes stored = Api.bytes("GET", "/v1/jobs/" + job + "/logs?stream=stdout", client, null, Map.of());
        assertEquals("one\n", new String(stored.body(), StandardCharsets.UTF_8), "nothing doubled, nothing late");
        assertEquals("false", stored.headers().firstValue("X-Log-Complete").orElse(""));
    }

    /**
     * A follower of a job with nothing appended yet gets the answer's status and headers at once,
     * then the bytes as they come. Before, the headers waited for the first byte, and a follower
     * that waited for them (the benchmark's) saw the answer end empty after the idle limit.
     */
    @Test
    void aFollowAnswersAtOnceBeforeAnyByteIsAppended() throws Exception {
        String[] j = runningJob();
        String client = j[0], miner = j[1], minerId = j[2], job = j[3];
        HttpRequest req = HttpRequest.newBuilder(
                        URI.create(Api.BASE + "/v1/jobs/" + job + "/logs?stream=stdout&follow=true"))
                .header("X-Api-Key", client)
                .timeout(Duration.ofSeconds(120))
                .build();
        CompletableFuture<HttpResponse<InputStream>> answer =
                Api.HTTP.sendAsync(req, HttpResponse.BodyHandlers.ofInputStream());
        HttpResponse<InputStream> r;
        try {
            r = answer.get(15, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("no status or headers before the first append", e);
        }
        assertEquals(200, r.statusCode());
        assertEquals("0", r.headers().firstValue("X-Log-Start-Offset").orElse(""));
        assertEquals("false", r.headers().firstValue("X-Log-Complete").orElse(""));
        append(miner, minerId, job, "stdout", "first\n", 0L).expect(200);
        Api.post("/v1/miners/" + job + "/result?miner_id=" + minerId, miner, "{\"result\":{\"output\":\"x\"}}")
                .expect(200);
        try (InputStream in = r.body()) {
            assertEquals("first\n", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void anUploadedLogWinsOverTheAppendedOne() throws Exception {
        String[] j = runningJob();
        String client = j[0], miner = j[1], minerId = j[2], job = j[3];
        append(miner, minerId, job, "stdout", "appended\n", null).expect(200);
        append(miner, minerId, job, "stderr", "appended err\n", null).expect(200);
        Api.upload(miner, minerId, job, "logs/stdout.log", "uploaded\n".getBytes(StandardCharsets.UTF_8))
                .expect(200);
        Api.post("/v1/miners/" + job + "/result?miner_id=" + minerId, miner, "{\"result\":{\"output\":\"x\"}}")
                .expect(200);
        Api.Bytes out = Api.bytes("GET", "/v1/jobs/" + job + "/download?file=logs/stdout.log", client, null, Map.of());
        assertEquals("uploaded\n", new String(out.body(), StandardCharsets.UTF_8));
        Api.Bytes err = Api.bytes("GET", "/v1/jobs/" + job + "/download?file=logs/stderr.log", client, null, Map.of());
        assertEquals("appended err\n", new String(err.body(), StandardCharsets.UTF_8));
        Api.post("/v1/jobs/" + job + "/verify", client, null).expect(200);
        assertFalse(Api.post("/v1/jobs/" + job + "/verify", client, null).body().contains("\"ok\":false"));
        // The live copy is not a result file: it is not listed, and no upload may use its folder.
        String manifest =
                Api.get("/v1/jobs/" + job + "/checksum", client).expect(200).body();
        assertTrue(manifest.contains("  logs/stderr.log\n"), manifest);
        assertFalse(manifest.contains(".logs"), manifest);
    }

    @Test
    void badInputIsRefusedNamingTheField() {
        String[] j = runningJob();
        String client = j[0], miner = j[1], minerId = j[2], job = j[3];
        assertEquals(
                Set.of("stream"),
                fields(Api.call(
                                "POST",
                                logsPath(job, minerId, null),
                                miner,
                                "{\"stream\":\"stdin\",\"data\":\"x\"}",
                                Map.of())
                        .expectError(422, "VALIDATION_FAILED")));
        assertEquals(
                Set.of("data"),
                fields(Api.call("POST", logsPath(job, minerId, null), miner, "{\"stream\":\"stdout\"}", Map.of())
                        .expectError(422, "VALIDATION_FAILED")));
        assertEquals(
                Set.of("data"),
                fields(Api.call(
                                "POST",
                                logsPath(job, minerId, null),
                                miner,
                                "{\"stream\":\"stdout\",\"data\":42}",
                                Map.of())
                        .expectError(422, "VALIDATION_FAILED")));
        assertEquals(
                Set.of("stream"),
                fields(appendText(miner, minerId, job, "stream=stdin", new byte[] {'x'}, null)
                        .expectError(400, "INVALID_PARAMETER")));
        for (String bad : List.of("x", "-1", "1.5")) {
            assertEquals(
                    Set.of("X-Log-Offset"),
                    fields(Api.call(
                                    "POST",
                                    logsPath(job, minerId, null),
                                    miner,
                                    "{\"stream\":\"stdout\",\"data\":\"x\"}",
                                    Map.of("X-Log-Offset", bad))
                            .expectError(400, "INVALID_PARAMETER")));
        }
        byte[] big = new byte[1024 * 1024 + 1];
        java.util.Arrays.fill(big, (byte) 'a');
        assertEquals(
                Set.of("data"),
                fields(appendText(miner, minerId, job, "stream=stdout", big, null)
                        .expectError(413, "PAYLOAD_TOO_LARGE")));
        assertEquals(
                Set.of("data"),
                fields(append(miner, minerId, job, "stdout", new String(big, StandardCharsets.US_ASCII), null)
                        .expectError(413, "PAYLOAD_TOO_LARGE")));
        Api.upload(miner, minerId, job, ".logs/stdout/00000000000000000000", new byte[] {'x'})
                .expectError(400, "INVALID_PARAMETER");

        for (String[] q :
                new String[][] {{"stream=stdin", "stream"}, {"offset=-3", "offset"}, {"follow=maybe", "follow"}}) {
            assertEquals(
                    Set.of(q[1]),
                    fields(Api.get("/v1/jobs/" + job + "/logs?" + q[0], client).expectError(400, "INVALID_PARAMETER")),
                    q[0]);
        }
        assertEquals(
                Set.of("offset"),
                fields(Api.get("/v1/jobs/" + job + "/logs?offset=5", client).expectError(416, "OFFSET_PAST_END")));
        Api.get("/v1/jobs/" + job + "/logs", Api.client()).expectError(404, "JOB_NOT_FOUND");
        Api.get("/v1/jobs/" + job + "/logs", miner).expectError(403, "FORBIDDEN");
        Api.call("POST", "/v1/miners/" + job + "/logs", client, "{\"data\":\"x\"}", Map.of())
                .expectError(403, "FORBIDDEN");
        Api.get("/v1/jobs/" + job + "/logs", client).expect(200);
        assertEquals(
                "",
                new String(
                        Api.bytes("GET", "/v1/jobs/" + job + "/logs", client, null, Map.of())
                                .body(),
                        StandardCharsets.UTF_8),
                "nothing bad was written");

        try (WsClient ws = WsClient.authenticated(client)) {
            ws.send("{\"action\":\"subscribe\",\"logs\":true}");
            JsonObject e = ws.expect("error");
            assertEquals(
                    "logs",
                    e.getJsonObject("error")
                            .getJsonArray("fields")
                            .getJsonObject(0)
                            .getString("field"));
        }
    }
}
