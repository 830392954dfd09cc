package org.aitbc.coordinator.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The application-level findings of issue 14's hostile-input sweep, each with the exact request
 * the issue quotes: every one is a 4xx in the one error shape that names the field or parameter,
 * with no internal names, and the job's state, events and files are the same afterwards.
 */
// Alone: it parses every line of messages.log (finding 6), and a line another class's request is
// writing at the moment of the read is not whole yet.
@Isolated
@Order(Schedule.ISOLATED)
public class HostileReproductionsIT {
    private static final int PORT = URI.create(Api.BASE).getPort();
    /** The region of the jobs this test submits to be refused or kept: no miner serves it, so no other test's miner claims them. */
    private static final String PARKED = Api.uniqueRegion();

    private static final String IN_PARKED = ",\"requirements\":{\"region\":\"" + PARKED + "\"}";

    // ---- helpers ------------------------------------------------------------------------------

    private static Set<String> fields(Api.Res r) {
        return r.json().getJsonObject("error").getJsonArray("fields").stream()
                .map(v -> v.asJsonObject().getString("field"))
                .collect(Collectors.toSet());
    }

    /** Asserts the error shape (Api.expectError) and that the named fields are exactly these. */
    private static Api.Res refused(Api.Res r, int status, String code, String... named) {
        r.expectError(status, code);
        assertFalse(r.body().contains("org.aitbc") || r.body().contains("java."), "no internal names: " + r.body());
        if (named.length > 0) {
            assertEquals(Set.of(named), fields(r), r.body());
        }
        return r;
    }

    /** What a refused request must not change: the job's state and progress, its events. */
    private static String state(String client, String job) {
        JsonObject j = Api.job(client, job);
        return j.getString("status") + "|" + j.get("progress") + "|" + j.get("attempt") + "|" + j.get("error") + "|"
                + Api.get("/v1/jobs/" + job + "/events", client).expect(200).array("events");
    }

    private static Api.Res send(String method, String path, String key, String body, Map<String, String> headers) {
        Api.Bytes r =
                Api.bytes(method, path, key, body == null ? null : body.getBytes(StandardCharsets.UTF_8), headers);
        return new Api.Res(r.status(), new String(r.body(), StandardCharsets.UTF_8), r.headers());
    }

    /** A held (assigned) job: returns {job, miner id}. */
    private static String[] heldJob(String client, String minerKey) {
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, 4);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, miner, 2));
        return new String[] {job, miner};
    }

    /** The answer of a request sent as raw bytes over a socket, optionally from a chosen local address. */
    record Raw(int status, Map<String, String> headers, String body) {
        JsonObject json() {
            return Json.createReader(new StringReader(body)).readObject();
        }
    }

    /**
     * Sends one HTTP/1.1 request as written (headers java.net.http refuses to set: Host,
     * Content-Length) from {@code localAddress} (any 127.x.y.z on Linux loopback), reads the answer.
     */
    static Raw raw(String localAddress, String method, String path, Map<String, String> headers, byte[] body)
            throws IOException {
        return raw(localAddress, method, path, headers, body, false);
    }

    /** As above; {@code halfClose} ends the request stream, for a request whose length the server cannot know. */
    static Raw raw(
            String localAddress,
            String method,
            String path,
            Map<String, String> headers,
            byte[] body,
            boolean halfClose)
            throws IOException {
        try (Socket s = new Socket()) {
            if (localAddress != null) {
                s.bind(new InetSocketAddress(localAddress, 0));
            }
            s.connect(new InetSocketAddress("127.0.0.1", PORT), 10_000);
            s.setSoTimeout(30_000);
            StringBuilder head = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            Map<String, String> h = new LinkedHashMap<>();
            h.put("Host", "localhost:" + PORT);
            h.putAll(headers);
            h.putIfAbsent("Connection", "close");
            if (body != null) {
                h.putIfAbsent("Content-Length", String.valueOf(body.length));
            }
            h.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            head.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (body != null) {
                out.write(body);
            }
            out.flush();
            if (halfClose) {
                s.shutdownOutput();
            }
            return parse(s.getInputStream().readAllBytes());
        }
    }

    private static Raw parse(byte[] bytes) {
        String all = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = all.indexOf("\r\n\r\n");
        String[] lines = all.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(
                    lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        byte[] body = Arrays.copyOfRange(bytes, end + 4, bytes.length);
        if ("chunked".equalsIgnoreCase(headers.get("transfer-encoding"))) {
            body = unchunk(body);
        }
        return new Raw(status, headers, new String(body, StandardCharsets.UTF_8));
    }

    private static byte[] unchunk(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < in.length) {
            int eol = i;
            while (eol + 1 < in.length && !(in[eol] == '\r' && in[eol + 1] == '\n')) {
                eol++;
            }
            String size = new String(in, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int n = size.isEmpty() ? 0 : Integer.parseInt(size, 16);
            if (n == 0) {
                break;
            }
            out.write(in, eol + 2, n);
            i = eol + 2 + n + 2;
        }
        return out.toByteArray();
    }

    private static void assertErrorShape(Raw r, int status, String code) {
        assertEquals(status, r.status(), r.body());
        assertTrue(
                r.headers().getOrDefault("content-type", "").startsWith("application/json"),
                r.headers().toString());
        JsonObject error = r.json().getJsonObject("error");
        assertEquals(status, error.getInt("status"));
        assertEquals(code, error.getString("code"));
        assertFalse(error.getString("message").isBlank());
        assertFalse(r.body().contains("Exception") || r.body().contains("org.aitbc"), r.body());
    }

    // ---- finding 1: exactly one JSON value -------------------------------------------------------

    @Test
    void trailingGarbageIsRefusedAndFailsNoJob() {
        String client = Api.client();
        String minerKey = Api.miner();
        String[] held = heldJob(client, minerKey);
        String before = state(client, held[0]);
        refused(
                Api.post("/v1/miners/" + held[0] + "/fail?miner_id=" + held[1], minerKey, "{} x"),
                400,
                "MALFORMED_JSON");
        for (String body : List.of("{}x", "{} {}", "{\"error_code\":\"E\"} ,", "{}\n// comment")) {
            refused(
                    Api.post("/v1/miners/" + held[0] + "/fail?miner_id=" + held[1], minerKey, body),
                    400,
                    "MALFORMED_JSON");
        }
        assertEquals(before, state(client, held[0]), "the held job did not fail");

        String other = Api.client();
        refused(Api.post("/v1/jobs", other, "{\"model\":\"gpt2\"} x"), 400, "MALFORMED_JSON");
        refused(Api.post("/v1/jobs/batch", other, "[{\"model\":\"gpt2\"}] ]"), 400, "MALFORMED_JSON");
        assertEquals(0, Api.get("/v1/jobs", other).expect(200).json().getInt("total"), "nothing was created");
    }

    // ---- finding 2: no 500 -----------------------------------------------------------------------

    @Test
    void deepNestingAndHugeNumbersAreRefusedByName() {
        String client = Api.client();
        String deep = "{\"model\":\"gpt2\",\"input\":" + "[".repeat(1001) + "]".repeat(1001) + "}";
        Api.Res r = refused(Api.post("/v1/jobs", client, deep), 400, "MALFORMED_JSON");
        assertTrue(r.json().getJsonObject("error").getString("message").contains("deeper than"), r.body());
        refused(Api.post("/v1/jobs", client, "[".repeat(100_000)), 400, "MALFORMED_JSON");

        refused(
                Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"ttl_seconds\":1e2147483648}"),
                422,
                "VALIDATION_FAILED",
                "ttl_seconds");
        refused(
                Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"requirements\":{\"gpu_count\":" + "1".repeat(1100) + "}}"),
                422,
                "VALIDATION_FAILED",
                "requirements.gpu_count");
        refused(
                Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"input\":{\"x\":[1, 1E-2147483648]}}"),
                422,
                "VALIDATION_FAILED",
                "input.x[1]");
        assertEquals(0, Api.get("/v1/jobs", client).expect(200).json().getInt("total"), "nothing was created");

        String minerKey = Api.miner();
        String[] held = heldJob(client, minerKey);
        String before = state(client, held[0]);
        String progress = "/v1/miners/" + held[0] + "/progress?miner_id=" + held[1];
        refused(Api.post(progress, minerKey, "{\"progress\":1e2147483648}"), 422, "VALIDATION_FAILED", "progress");
        refused(Api.post(progress, minerKey, "{\"progress\": null}"), 422, "VALIDATION_FAILED", "progress");
        refused(
                Api.post(
                        "/v1/miners/heartbeat?miner_id=" + held[1],
                        minerKey,
                        "{\"inflight\":" + "9".repeat(1200) + "}"),
                422,
                "VALIDATION_FAILED",
                "inflight");
        assertEquals(before, state(client, held[0]));
    }

    @Test
    void datesBeyondAnyCalendarAreBadParameters() {
        String client = Api.client();
        for (String route : List.of("/v1/jobs", "/v1/jobs/history", "/v1/jobs/stats", "/v1/jobs/export")) {
            refused(Api.get(route + "?from=%2B999999999-12-31", client), 400, "INVALID_PARAMETER", "from");
            refused(Api.get(route + "?to=%2B999999999-12-31", client), 400, "INVALID_PARAMETER", "to");
            refused(Api.get(route + "?from=-999999999-01-01", client), 400, "INVALID_PARAMETER", "from");
            // Unencoded, '+' is a space in a query: still a bad date, never a 500.
            refused(Api.get(route + "?to=+999999999-12-31", client), 400, "INVALID_PARAMETER", "to");
        }
        Api.get("/v1/jobs?from=2026-01-01&to=9999-12-31", client).expect(200);
    }

    @Test
    void rangesBeyondAnyLengthAre416WithContentRange() {
        String client = Api.client();
        String minerKey = Api.miner();
        String[] held = heldJob(client, minerKey);
        Api.upload(minerKey, held[1], held[0], "out.bin", new byte[1000]).expect(200);
        Api.post("/v1/miners/" + held[0] + "/result?miner_id=" + held[1], minerKey, "{\"result\":{}}")
                .expect(200);
        long zipLength = Api.bytes("GET", "/v1/jobs/" + held[0] + "/download", client, null, Map.of())
                .body()
                .length;
        String share = Api.post("/v1/jobs/" + held[0] + "/share", client, "{}")
                .expect(201)
                .str("url")
                .replaceFirst("^https?://[^/]+", "");
        for (String[] target : List.of(
                new String[] {"/v1/jobs/" + held[0] + "/download", client, String.valueOf(zipLength)},
                new String[] {"/v1/jobs/" + held[0] + "/download?file=out.bin", client, "1000"},
                new String[] {share, null, String.valueOf(zipLength)})) {
            Api.Res r = send("GET", target[0], target[1], null, Map.of("Range", "bytes=99999999999999999999-"));
            refused(r, 416, "RANGE_NOT_SATISFIABLE");
            assertEquals(
                    "bytes */" + target[2],
                    r.headers().firstValue("Content-Range").orElse(""),
                    target[0]);
        }
        // A suffix longer than the file is the whole file.
        assertEquals(
                206,
                Api.bytes(
                                "GET",
                                "/v1/jobs/" + held[0] + "/download?file=out.bin",
                                client,
                                null,
                                Map.of("Range", "bytes=-99999999999999999999"))
                        .status());
    }

    @Test
    void uploadPathsThatCollideAre409AndStoreNothing() {
        String client = Api.client();
        String minerKey = Api.miner();
        String[] held = heldJob(client, minerKey);
        String job = held[0];
        String miner = held[1];
        Api.upload(minerKey, miner, job, "a/b.txt", "b".getBytes(StandardCharsets.UTF_8))
                .expect(200);
        Api.upload(minerKey, miner, job, "c", "c".getBytes(StandardCharsets.UTF_8))
                .expect(200);
        String before = state(client, job);
        for (String path :
                List.of("a", "c/d.txt", "c/e/f.txt", ".staging", ".staging/x", "result.txt/x", "output.json/x")) {
            Api.Res r = refused(
                    Api.upload(minerKey, miner, job, path, "x".getBytes(StandardCharsets.UTF_8)), 409, "PATH_CONFLICT");
            assertTrue(r.json().getJsonObject("error").getString("message").contains(path), r.body());
        }
        assertEquals(before, state(client, job));
        Api.post("/v1/miners/" + job + "/result?miner_id=" + miner, minerKey, "{\"result\":{\"output\":\"done\"}}")
                .expect(200);
        String manifest = new String(
                Api.bytes("GET", "/v1/jobs/" + job + "/download?checksum=true", client, null, Map.of())
                        .body(),
                StandardCharsets.UTF_8);
        assertEquals(
                Set.of("a/b.txt", "c", "output.json", "result.txt"),
                manifest.lines().map(l -> l.substring(l.indexOf("  ") + 2)).collect(Collectors.toSet()),
                manifest);
    }

    // ---- finding 6: control characters never reach the log raw -------------------------------

    @Test
    void controlCharactersInNamesAreRefusedAndNeverForgeALogLine() throws IOException {
        String client = Api.client();
        String marker = "X-Injected-" + UUID.randomUUID().toString().substring(0, 8);
        refused(
                Api.post("/v1/jobs", client, "{\"model\": \"a\\r\\n" + marker + ": 1\"}"),
                422,
                "VALIDATION_FAILED",
                "model");
        refused(Api.post("/v1/jobs", client, "{\"model\": \"a\\u0000b\"}"), 422, "VALIDATION_FAILED", "model");
        assertEquals(0, Api.get("/v1/jobs", client).expect(200).json().getInt("total"), "nothing was created");

        String minerKey = Api.miner();
        String[] held = heldJob(client, minerKey);
        String before = state(client, held[0]);
        refused(
                Api.post(
                        "/v1/miners/" + held[0] + "/fail?miner_id=" + held[1],
                        minerKey,
                        "{\"error_code\": \"E\\r\\n" + marker + ": 2\"}"),
                422,
                "VALIDATION_FAILED",
                "error_code");
        assertEquals(before, state(client, held[0]));
        // Free text keeps its line breaks.
        Api.post(
                        "/v1/miners/" + held[0] + "/progress?miner_id=" + held[1],
                        minerKey,
                        "{\"progress\":5,\"message\":\"line 1\\nline 2\"}")
                .expect(200);

        // Text a model may hold but a log line must not show raw: a line separator and a bidi override.
        String accepted = Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\": \"a\\u2028" + marker + ": 3\\u202e\", \"input\": \"x\"" + IN_PARKED + "}")
                .expect(201)
                .str("job_id");
        Path log = Path.of(System.getProperty("it.server.dir"), "logs", "messages.log");
        String text = awaitLog(log, accepted);
        // The test server logs JSON (AITBC_LOG_FORMAT=json): each line's message is what a plain-text
        // log would show, so the checks run on the messages as well as on the raw file.
        java.util.List<String> messages = text.lines()
                .filter(l -> !l.isBlank())
                .map(HostileReproductionsIT::message)
                .collect(java.util.stream.Collectors.toList());
        String line = messages.stream()
                .filter(l -> l.contains(accepted + " submitted"))
                .findFirst()
                .orElseThrow();
        assertTrue(line.contains("(model a\\u2028" + marker + ": 3\\u202e,"), line);
        assertFalse(text.contains("\u2028") || text.contains("\u202e"), "no raw separator or override in the log");
        assertTrue(
                messages.stream().flatMap(String::lines).noneMatch(l -> l.startsWith(marker)),
                "no log line begins with the injected text");
        assertTrue(text.lines().noneMatch(l -> l.startsWith(marker)), "no raw line begins with the injected text");
    }

    /** A messages.log line's message: the "message" field of a JSON line, a plain line as it is. */
    private static String message(String line) {
        if (!line.startsWith("{")) {
            return line;
        }
        try (var reader = jakarta.json.Json.createReader(new java.io.StringReader(line))) {
            return reader.readObject().getString("message", "");
        }
    }

    private static String awaitLog(Path log, String needle) throws IOException {
        long until = System.currentTimeMillis() + 10_000;
        String text = "";
        while (System.currentTimeMillis() < until) {
            text = Files.readString(log, StandardCharsets.UTF_8);
            if (text.contains(needle)) {
                return text;
            }
            Api.sleep(200);
        }
        throw new AssertionError(needle + " never appeared in " + log);
    }

    // ---- finding 7: failed authentications are throttled per address ------------------------

    /** The test server's AITBC_AUTH_FAILURES_PER_MINUTE (src/test/liberty/server.env), else the product default. */
    private static int authFailuresPerMinute() throws IOException {
        java.nio.file.Path env = java.nio.file.Path.of("src/test/liberty/server.env");
        for (String line : java.nio.file.Files.readAllLines(env)) {
            if (line.startsWith("AITBC_AUTH_FAILURES_PER_MINUTE=")) {
                return Integer.parseInt(line.substring(line.indexOf('=') + 1).trim());
            }
        }
        return 20;
    }

    @Test
    void failedAuthenticationsAreThrottledPerAddressOnly() throws IOException {
        // A loopback address of this test's own, so the rest of the suite (from 127.0.0.1) is untouched.
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        String address = "127." + rnd.nextInt(1, 255) + "." + rnd.nextInt(0, 255) + "." + rnd.nextInt(1, 255);
        String known = Api.client();
        assertEquals(
                200,
                raw(address, "GET", "/v1/jobs", Map.of("X-Api-Key", known), null)
                        .status());
        int limit = authFailuresPerMinute();
        for (int i = 0; i < limit - 1; i++) {
            assertErrorShape(
                    raw(address, "GET", "/v1/jobs", Map.of("X-Api-Key", "aitbc_" + UUID.randomUUID()), null),
                    401,
                    "UNAUTHENTICATED");
        }
        // Successes do not count: only failures do.
        for (int i = 0; i < 5; i++) {
            assertEquals(
                    200,
                    raw(address, "GET", "/v1/jobs", Map.of("X-Api-Key", known), null)
                            .status());
        }
        assertErrorShape(
                raw(address, "GET", "/v1/jobs", Map.of("X-Api-Key", "aitbc_" + UUID.randomUUID()), null),
                401,
                "UNAUTHENTICATED");
        for (int i = 0; i < 80; i++) {
            Raw r = raw(address, "GET", "/v1/jobs", Map.of("X-Api-Key", "aitbc_" + UUID.randomUUID()), null);
            assertErrorShape(r, 429, "RATE_LIMITED");
            long retry = Long.parseLong(r.headers().get("retry-after"));
            assertTrue(retry >= 1 && retry <= 60, "Retry-After " + retry);
        }
        // A key that worked before is still served from that address, and a new key from any other.
        assertEquals(
                200,
                raw(address, "GET", "/v1/jobs", Map.of("X-Api-Key", known), null)
                        .status());
        Api.get("/v1/jobs", Api.client()).expect(200);
        Api.get("/v1/jobs", "aitbc_" + UUID.randomUUID()).expectError(401, "UNAUTHENTICATED");
    }

    // ---- finding 8: share URLs never take the Host header ------------------------------------

    @Test
    void shareUrlsUseTheServersOwnAddressNotTheHostHeader() throws IOException {
        String client = Api.client();
        String minerKey = Api.miner();
        String[] held = heldJob(client, minerKey);
        Api.post("/v1/miners/" + held[0] + "/result?miner_id=" + held[1], minerKey, "{\"result\":{}}")
                .expect(200);
        Raw r = raw(
                null,
                "POST",
                "/v1/jobs/" + held[0] + "/share",
                Map.of("Host", "evil.example", "X-Api-Key", client, "Content-Type", "application/json"),
                "{\"expires\":\"1h\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(201, r.status(), r.body());
        String url = r.json().getString("url");
        assertTrue(url.startsWith("http://localhost:" + PORT + "/v1/shares/"), url);
        assertFalse(url.contains("evil"), url);
        assertEquals(200, Api.bytes("GET", url, null, null, Map.of()).status(), "the link works as given");
    }

    // ---- finding 11: NUL, lone surrogates, content types, Content-Length ----------------------

    @Test
    void nulAndLoneSurrogatesAreRefused() {
        String client = Api.client();
        refused(Api.get("/v1/jobs?status=running%00", client), 400, "INVALID_PARAMETER", "status");
        refused(Api.get("/v1/jobs?limit=5%00", client), 400, "INVALID_PARAMETER", "limit");
        refused(Api.post("/v1/jobs", client, "{\"model\":\"a\\ud800\"}"), 422, "VALIDATION_FAILED", "model");
        refused(
                Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"input\":{\"\\udc00\":1}}"),
                422,
                "VALIDATION_FAILED");
        // A real pair (an emoji) is valid Unicode.
        Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"input\":\"\\ud83d\\ude00\"" + IN_PARKED + "}")
                .expect(201);
        assertEquals(1, Api.get("/v1/jobs", client).expect(200).json().getInt("total"));

        String minerKey = Api.miner();
        String[] held = heldJob(client, minerKey);
        Api.post("/v1/miners/" + held[0] + "/result?miner_id=" + held[1], minerKey, "{\"result\":{}}")
                .expect(200);
        refused(
                Api.post("/v1/jobs/" + held[0] + "/share", client, "{\"expires\": \"7d\\u0000\"}"),
                422,
                "VALIDATION_FAILED",
                "expires");
        assertEquals(
                0,
                Api.get("/v1/jobs/" + held[0] + "/shares", client)
                        .expect(200)
                        .array("shares")
                        .size(),
                "no share was created");
    }

    @Test
    void jsonRoutesAnswer415ToOtherContentTypesButKeepCurlsDefault() {
        String client = Api.client();
        String body = "{\"model\":\"gpt2\",\"input\":\"hi\"" + IN_PARKED + "}";
        for (String type : List.of("text/plain", "application/xml", "multipart/form-data; boundary=x", "image/png")) {
            refused(
                    send("POST", "/v1/jobs", client, body, Map.of("Content-Type", type)),
                    415,
                    "UNSUPPORTED_MEDIA_TYPE");
        }
        assertEquals(0, Api.get("/v1/jobs", client).expect(200).json().getInt("total"), "nothing was created");
        send("POST", "/v1/jobs", client, body, Map.of("Content-Type", "application/json"))
                .expect(201);
        send("POST", "/v1/jobs", client, body, Map.of("Content-Type", "application/json; charset=UTF-8"))
                .expect(201);
        send("POST", "/v1/jobs", client, body, Map.of()).expect(201);
        // curl -d without -H sends this; the README's and the guide's examples rely on it.
        send("POST", "/v1/jobs", client, body, Map.of("Content-Type", "application/x-www-form-urlencoded"))
                .expect(201);
        refused(
                send(
                        "POST",
                        "/v1/jobs",
                        client,
                        "model=gpt2",
                        Map.of("Content-Type", "application/x-www-form-urlencoded")),
                400,
                "MALFORMED_JSON");
        assertEquals(4, Api.get("/v1/jobs", client).expect(200).json().getInt("total"));

        // The README's miner calls, as curl -d sends them.
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        Map<String, String> curl = Map.of("Content-Type", "application/x-www-form-urlencoded", "X-Miner-ID", region);
        send(
                        "POST",
                        "/v1/miners/register",
                        minerKey,
                        "{\"capabilities\":{\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}],\"models\":[\"gpt2\"]},"
                                + "\"concurrency\":1,\"region\":\"" + region + "\"}",
                        curl)
                .expect(200);
        String job = Api.submit(client, region);
        assertEquals(
                job,
                send("POST", "/v1/miners/poll", minerKey, "{\"max_wait_seconds\":5}", curl)
                        .expect(200)
                        .str("job_id"));
        send("POST", "/v1/miners/" + job + "/progress", minerKey, "{\"progress\":45,\"message\":\"halfway\"}", curl)
                .expect(200);
        refused(
                send(
                        "POST",
                        "/v1/miners/" + job + "/progress",
                        minerKey,
                        "{\"progress\":50}",
                        Map.of("Content-Type", "text/plain", "X-Miner-ID", region)),
                415,
                "UNSUPPORTED_MEDIA_TYPE");
        assertEquals(45, Api.job(client, job).getInt("progress"));
    }

    @Test
    void aNegativeContentLengthStoresNoFile() throws IOException {
        String client = Api.client();
        String minerKey = Api.miner();
        String[] held = heldJob(client, minerKey);
        for (String length : List.of("-1", "x", "99999999999999999999")) {
            Raw r = raw(
                    null,
                    "PUT",
                    "/v1/miners/" + held[0] + "/files/empty.bin?miner_id=" + held[1],
                    Map.of("X-Api-Key", minerKey, "Content-Type", "application/octet-stream", "Content-Length", length),
                    new byte[0],
                    true);
            assertEquals(400, r.status(), length + ": " + r.body());
            if (r.headers().getOrDefault("content-type", "").startsWith("application/json")) {
                assertErrorShape(r, 400, r.json().getJsonObject("error").getString("code"));
            }
        }
        Api.post("/v1/miners/" + held[0] + "/result?miner_id=" + held[1], minerKey, "{\"result\":{}}")
                .expect(200);
        String manifest = new String(
                Api.bytes("GET", "/v1/jobs/" + held[0] + "/download?checksum=true", client, null, Map.of())
                        .body(),
                StandardCharsets.UTF_8);
        assertFalse(manifest.contains("empty.bin"), manifest);
    }
}
