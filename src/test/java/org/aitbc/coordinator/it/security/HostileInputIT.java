package org.aitbc.coordinator.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * Every operation of the running server's OpenAPI document, sent every class of bad input: keys
 * that are missing, wrong, of another role or of another tenant; malformed and trailing JSON;
 * wrong types, oversize strings, deep nesting, huge and negative numbers and control characters
 * per body field; bad path and query values; traversal in every encoding; oversize heads; bad
 * Range. No answer may be 5xx (or none at all), every error must be the one JSON shape without
 * internal names, nothing that must be refused may be accepted, and no job, file, share or
 * account may change: a held job, a completed job with files and a share, the client's job list
 * and the admin's account list are read before and after, and must be equal.
 *
 * <p>Bodies are not described in the document (the resources read them as text to name the field
 * that is wrong), so the fields of each body are listed here; the routes, methods and their path,
 * query and header parameters come from the document. Requests that {@link java.net.http.HttpClient}
 * refuses to send (bad escapes, raw traversal, oversize heads) go over a plain socket.
 */
// Alone: the admin's list of all accounts must be the same before and after (every other class
// makes accounts), and its 1,927 requests from six threads load the server for seconds.
@Isolated
@Order(Schedule.ISOLATED)
public class HostileInputIT {
    private static final URI BASE = URI.create(Api.BASE);
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final List<String> INTERNAL_NAMES = List.of("com.ibm", "java.", "Exception", "CWW", "SRVE");
    private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]*");

    /** A body field: its JSON path in the valid body and its kind. */
    private record Field(String path, char kind) {} // s string, i integer, o object, a array

    /** The valid body of each body-taking operation, and its fields. */
    private record Body(String json, List<Field> fields) {}

    private record Op(String method, String template, List<String> pathParams, List<String> query, boolean ranged) {
        String route() {
            return method + " " + template;
        }
    }

    /** One hostile request: its class, whether it must be refused, and how to send it. */
    private record Probe(
            String klass,
            Op op,
            String method,
            String rawTarget,
            Map<String, String> headers,
            byte[] body,
            boolean mustRefuse,
            boolean raw) {}

    private record Answer(int status, String contentType, String body) {}

    private final Map<String, AtomicInteger> perClass = new ConcurrentHashMap<>();
    private final Map<String, List<String>> failures = new ConcurrentHashMap<>();

    /**
     * Request paths Liberty's web container cannot decode at all ({@code %00}, an invalid escape such as
     * {@code %zz} or {@code %u2216}, {@code ..;}). The container refuses them before any application is
     * chosen; the project's Liberty extension (liberty-ext/, usr:aitbcPathGuard-1.0) answers them first,
     * so they must get exactly 400 {@code MALFORMED_PATH} in the error shape (docs/HOSTILE-INPUT.md).
     */
    private static final List<String> UNDECODABLE = List.of("%00", "%zz", "%u2216", "..;");

    private String admin;
    private String client;
    private String otherClient;
    private String minerKey;
    private String minerId;
    private String held;
    private String done;
    private String shareToken;
    private String shareId;

    @Test
    void noBadInputOnAnyRouteAnswers5xxLeaksInternalsOrChangesAnything() throws Exception {
        admin = Api.ADMIN_KEY;
        client = Api.client();
        otherClient = Api.client();
        minerKey = Api.miner();
        String region = Api.uniqueRegion();
        minerId = region + "-m";
        Api.register(minerKey, minerId, region, 1);
        done = completedJob(region);
        JsonObject share = Api.post("/v1/jobs/" + done + "/share", client, "{\"expires\":\"7d\"}")
                .expect(201)
                .json();
        shareToken = lastSegment(share.getString("url"));
        shareId = share.getString("share_id");
        held = Api.submit(client, region);
        assertEquals(held, Api.poll(minerKey, minerId, 2));
        Api.post("/v1/miners/" + held + "/start?miner_id=" + minerId, minerKey, null)
                .expect(200);
        Api.upload(minerKey, minerId, held, "logs/stdout.log", "partial".getBytes(StandardCharsets.UTF_8))
                .expect(200);
        Api.post("/v1/miners/" + held + "/progress?miner_id=" + minerId, minerKey, "{\"progress\":30}")
                .expect(200);

        // The miner keeps its lease while the probes run (leases are short on the test server).
        AtomicBoolean running = new AtomicBoolean(true);
        Thread heartbeat = new Thread(() -> {
            while (running.get()) {
                Api.post("/v1/miners/heartbeat?miner_id=" + minerId, minerKey, "{\"inflight\":1,\"status\":\"BUSY\"}");
                sleep(1_500);
            }
        });
        heartbeat.setDaemon(true);
        heartbeat.start();

        List<Op> ops = operations();
        Map<String, String> before = snapshot();
        List<Probe> probes = new ArrayList<>();
        for (Op op : ops) {
            probes.addAll(probesFor(op));
        }
        long started = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (Probe p : probes) {
                futures.add(pool.submit(() -> check(p)));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
            running.set(false);
        }
        heartbeat.join(5_000);
        Map<String, String> after = snapshot();
        long seconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

        StringBuilder report = new StringBuilder();
        report.append(String.format(
                "HostileInputIT: %d requests, %d classes, %d routes, %d s%n",
                probes.size(), perClass.size(), ops.size(), seconds));
        new TreeMap<>(perClass)
                .forEach((k, n) -> report.append(String.format(
                        "  %-22s %5d requests, %4d failed%n",
                        k, n.get(), failures.getOrDefault(k, List.of()).size())));
        for (String key : before.keySet()) {
            if (!before.get(key).equals(after.get(key))) {
                failures.computeIfAbsent("state-changed", k -> Collections.synchronizedList(new ArrayList<>()))
                        .add(key + " changed:\n      before " + clip(before.get(key), 600) + "\n      after  "
                                + clip(after.get(key), 600));
            }
        }
        new TreeMap<>(failures).forEach((k, list) -> {
            report.append(String.format("%s: %d failures, e.g.%n", k, list.size()));
            list.stream().limit(8).forEach(f -> report.append("    ").append(f).append('\n'));
        });
        System.out.println(report);
        writeEveryFailure(probes.size());
        assertTrue(failures.isEmpty(), report.toString());
    }

    /** Every failure, not only the first few of each class: target/hostile-input-failures.txt. */
    private void writeEveryFailure(int requests) throws IOException {
        StringBuilder all = new StringBuilder("HostileInputIT, " + requests + " requests\n");
        new TreeMap<>(failures).forEach((k, list) -> {
            all.append(k).append(": ").append(list.size()).append('\n');
            new ArrayList<>(list)
                    .stream().sorted().forEach(f -> all.append("    ").append(f).append('\n'));
        });
        java.nio.file.Files.writeString(java.nio.file.Path.of("target", "hostile-input-failures.txt"), all);
    }

    // The operations, from the server's own document.

    private static List<Op> operations() {
        String doc = Api.get("/openapi?format=JSON", null).expect(200).body();
        JsonObject paths;
        try (JsonReader r = Json.createReader(new StringReader(doc))) {
            paths = r.readObject().getJsonObject("paths");
        }
        List<Op> ops = new ArrayList<>();
        for (String template : paths.keySet()) {
            JsonObject item = paths.getJsonObject(template);
            for (String method : item.keySet()) {
                if (!List.of("get", "post", "put", "delete", "patch").contains(method)) {
                    continue;
                }
                JsonObject op = item.getJsonObject(method);
                List<String> pathParams = new ArrayList<>();
                List<String> query = new ArrayList<>();
                boolean ranged = false;
                for (JsonValue v :
                        op.getJsonArray("parameters") == null ? List.<JsonValue>of() : op.getJsonArray("parameters")) {
                    JsonObject p = v.asJsonObject();
                    switch (p.getString("in")) {
                        case "path" -> pathParams.add(p.getString("name"));
                        case "query" -> query.add(p.getString("name"));
                        case "header" -> ranged |= "Range".equals(p.getString("name"));
                        default -> {}
                    }
                }
                ops.add(new Op(method.toUpperCase(Locale.ROOT), template, pathParams, query, ranged));
            }
        }
        assertTrue(ops.size() >= 25, "the document lists the API's operations: " + ops.size());
        return ops;
    }

    /** The valid body of an operation, or null when it takes none. */
    private Body bodyOf(Op op) {
        return switch (op.route()) {
            case "POST /v1/admin/accounts" ->
                body("{\"role\":\"client\",\"plan\":\"pro\",\"name\":\"hostile\"}", "role s", "plan s", "name s");
            // A quote takes a submission's body and is validated the same way.
            case "POST /v1/jobs", "POST /v1/jobs/quote" ->
                body(
                        "{\"model\":\"gpt2\",\"input\":\"hi\",\"priority\":\"normal\",\"timeout_seconds\":600,"
                                + "\"ttl_seconds\":3600,\"requirements\":{\"region\":\"hostile-none\",\"gpu_count\":1}}",
                        "model s",
                        "priority s",
                        "timeout_seconds i",
                        "ttl_seconds i",
                        "requirements o",
                        "requirements.region s",
                        "requirements.gpu_count i");
            case "POST /v1/jobs/batch" ->
                body(
                        "{\"jobs\":[{\"model\":\"gpt2\",\"input\":\"hi\",\"requirements\":{\"region\":\"hostile-none\"}}]}",
                        "jobs a");
            case "POST /v1/jobs/{id}/share" -> body("{\"expires\":\"7d\"}", "expires s");
            case "POST /v1/miners/heartbeat" ->
                body("{\"inflight\":1,\"status\":\"BUSY\",\"metadata\":{}}", "inflight i", "status s", "metadata o");
            case "POST /v1/miners/poll" -> body("{\"max_wait_seconds\":0}", "max_wait_seconds i");
            case "POST /v1/miners/register" ->
                body(
                        "{\"capabilities\":{\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}],\"models\":[]},"
                                + "\"concurrency\":1}",
                        "capabilities o",
                        "concurrency i");
            case "POST /v1/miners/{job_id}/fail" ->
                body("{\"error_code\":\"OOM\",\"error_message\":\"out of memory\"}", "error_code s", "error_message s");
            case "POST /v1/miners/{job_id}/progress" ->
                body("{\"progress\":45,\"message\":\"halfway\"}", "progress i", "message s");
            case "POST /v1/miners/{job_id}/result" ->
                body("{\"result\":{\"output\":\"x\"},\"metrics\":{\"tokens\":1}}", "result o", "metrics o");
            default -> null;
        };
    }

    private static Body body(String json, String... fields) {
        List<Field> list = new ArrayList<>();
        for (String f : fields) {
            String[] parts = f.split(" ");
            list.add(new Field(parts[0], parts[1].charAt(0)));
        }
        return new Body(json, list);
    }

    // The probes of one operation.

    private List<Probe> probesFor(Op op) {
        List<Probe> out = new ArrayList<>();
        String role = role(op);
        String key = keyOf(role);
        String target = fill(op, Map.of());
        Body body = bodyOf(op);
        byte[] valid = body == null ? null : body.json().getBytes(StandardCharsets.UTF_8);
        boolean mutating = !op.method().equals("GET");

        // Keys.
        if (!role.equals("public")) {
            out.add(probe("key-missing", op, target, null, valid, true));
            out.add(probe("key-wrong", op, target, "aitbc_" + "0".repeat(40), valid, true));
            out.add(probe("key-wrong-role", op, target, role.equals("client") ? minerKey : client, valid, true));
            if (!op.pathParams().isEmpty() && role.equals("client")) {
                out.add(probe("key-other-tenant", op, target, otherClient, valid, true));
            }
        }
        // Bodies.
        if (body != null) {
            // An empty body is left out: routes whose body is optional (share) take it as the defaults.
            for (String bad : List.of(
                    "{\"model\":",
                    "{} x",
                    "[1,2]",
                    "\"text\"",
                    "{\"a\":1}{\"b\":2}",
                    body.json() + " x",
                    body.json() + "]",
                    "\u0000",
                    "{'model':'gpt2'}")) {
                out.add(probe("json-malformed", op, target, key, bad.getBytes(StandardCharsets.UTF_8), true));
            }
            out.add(probe("json-deep", op, target, key, "[".repeat(10_000).getBytes(StandardCharsets.UTF_8), true));
            out.add(probe(
                    "json-deep",
                    op,
                    target,
                    key,
                    ("{\"a\":".repeat(5_000) + "1" + "}".repeat(5_000)).getBytes(StandardCharsets.UTF_8),
                    true));
            Field first = body.fields().get(0);
            out.add(probe(
                    "json-deep",
                    op,
                    target,
                    key,
                    with(body.json(), first.path(), "[".repeat(3_000) + "]".repeat(3_000)),
                    true));
            out.add(probe(
                    "body-oversize",
                    op,
                    target,
                    key,
                    ("{\"pad\":\"" + "x".repeat(5 * 1024 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8),
                    true));
            for (Field f : body.fields()) {
                for (String wrong : wrongTypes(f.kind())) {
                    out.add(probe("field-wrong-type", op, target, key, with(body.json(), f.path(), wrong), true));
                }
                if (f.kind() == 's') {
                    out.add(probe(
                            "field-oversize",
                            op,
                            target,
                            key,
                            with(body.json(), f.path(), "\"" + "x".repeat(100_000) + "\""),
                            true));
                    for (String control : List.of("\"a\\u0000b\"", "\"a\\ud800b\"")) {
                        out.add(probe(
                                "field-control-chars", op, target, key, with(body.json(), f.path(), control), true));
                    }
                }
                if (f.kind() == 'i') {
                    for (String n : List.of(
                            "1e2147483648",
                            "9".repeat(1_100),
                            "-1",
                            "-9223372036854775809",
                            "1e400",
                            "1.5",
                            "99999999999999999999")) {
                        out.add(probe("field-number", op, target, key, with(body.json(), f.path(), n), true));
                    }
                }
            }
        }
        // Path values. For an id each of these must be refused; for an upload's file path ({path}) a
        // plain name such as "x" or "-1" is a legitimate file, so there it need only be answered well
        // (no 5xx, the error shape when refused): traversal in a file path has its own class below.
        for (String param : op.pathParams()) {
            boolean fileName = param.equals("path");
            for (String bad : List.of(
                    "x",
                    "job_" + "z".repeat(24),
                    "z".repeat(300),
                    "%27%20OR%201%3D1--",
                    "%3Cscript%3E",
                    "%20",
                    "null",
                    "-1")) {
                out.add(raw("path-bad-value", op, fill(op, Map.of(param, bad)), key, valid, !fileName));
            }
            for (String trav : List.of(
                    "..%2F..%2Fx",
                    "%2e%2e",
                    "%2e%2e%2fx",
                    "..%5c..%5cx",
                    "%252e%252e%252fx",
                    "..%c0%afx",
                    "%c0%ae%c0%ae",
                    "..%00",
                    "a%00b",
                    "%zz",
                    "..;",
                    ".%2e",
                    "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
                    "%ff%fe",
                    "..%u2216x")) {
                out.add(raw("path-traversal", op, fill(op, Map.of(param, trav)), key, valid, true));
            }
            if (param.equals("path")) {
                for (String trav : List.of("../../x", "a/../../x", "./.staging/x", "/etc/passwd", "a//b", "..")) {
                    out.add(raw("path-traversal", op, fill(op, Map.of(param, trav)), key, valid, true));
                }
            }
        }
        // Query values (a GET may ignore or clamp what it does not need; a write must not act on it).
        for (String q : op.query()) {
            for (String bad : List.of(
                    "",
                    "-1",
                    "99999999999999999999",
                    "abc",
                    "%2B999999999-12-31",
                    "running%00",
                    "%00",
                    "x".repeat(10_000),
                    "1e2147483648",
                    "%ff")) {
                String sep = target.contains("?") ? "&" : "?";
                boolean refuse = mutating && !q.equals("miner_id") && !bad.isEmpty();
                out.add(raw("query-bad-value", op, target + sep + q + "=" + bad, key, valid, refuse));
            }
        }
        // Heads.
        out.add(rawHeaders("head-oversize", op, target, key, valid, Map.of("X-Pad", "p".repeat(64 * 1024))));
        Map<String, String> many = new LinkedHashMap<>();
        for (int i = 0; i < 120; i++) {
            many.put("X-Pad-" + i, "p".repeat(400));
        }
        out.add(rawHeaders("head-oversize", op, target, key, valid, many));
        out.add(raw(
                "head-oversize",
                op,
                target + (target.contains("?") ? "&" : "?") + "pad=" + "q".repeat(20_000),
                key,
                valid,
                true));
        // Range.
        if (op.ranged()) {
            for (String range : List.of(
                    "bytes=99999999999999999999-",
                    "bytes=5-1",
                    "bytes=abc",
                    "bytes=-0",
                    "items=0-1",
                    "bytes=--1",
                    "bytes=0-0," + "0-0,".repeat(300) + "0-0",
                    "bytes=-99999999999999999999",
                    "bytes=1-2-3")) {
                out.add(new Probe(
                        "range-bad",
                        op,
                        op.method(),
                        target,
                        headers(key, Map.of("Range", range)),
                        valid,
                        false,
                        false));
            }
        }
        return out;
    }

    private static List<String> wrongTypes(char kind) {
        return switch (kind) {
            case 's' -> List.of("42", "true", "[]", "{}");
            case 'i' -> List.of("\"4\"", "true", "[]", "{}", "1.5");
            case 'o' -> List.of("\"s\"", "42", "[]", "true");
            case 'a' -> List.of("\"s\"", "42", "{}", "[1]");
            default -> List.of();
        };
    }

    /** The valid body with one field (a dotted path) replaced by {@code json}. */
    private static byte[] with(String body, String path, String json) {
        JsonObject o;
        try (JsonReader r = Json.createReader(new StringReader(body))) {
            o = r.readObject();
        }
        return replace(o, path.split("\\."), 0, json).getBytes(StandardCharsets.UTF_8);
    }

    private static String replace(JsonObject o, String[] path, int i, String json) {
        StringBuilder b = new StringBuilder("{");
        boolean first = true;
        for (Map.Entry<String, JsonValue> e : o.entrySet()) {
            b.append(first ? "" : ",").append(Json.createValue(e.getKey())).append(':');
            first = false;
            if (e.getKey().equals(path[i])) {
                b.append(i == path.length - 1 ? json : replace(e.getValue().asJsonObject(), path, i + 1, json));
            } else {
                b.append(e.getValue());
            }
        }
        return b.append('}').toString();
    }

    private String role(Op op) {
        String t = op.template();
        if (t.startsWith("/v1/admin")) {
            return "admin";
        }
        if (t.startsWith("/v1/miners")) {
            return "miner";
        }
        // Share links carry their own token; the receipt keys are public so that anyone can check a receipt.
        if (t.startsWith("/v1/shares") || t.equals("/v1/keys")) {
            return "public";
        }
        return "client";
    }

    private String keyOf(String role) {
        return switch (role) {
            case "admin" -> admin;
            case "miner" -> minerKey;
            case "client" -> client;
            default -> null;
        };
    }

    /** The operation's path with its parameters filled: the held job for miners, the completed one otherwise. */
    private String fill(Op op, Map<String, String> overrides) {
        String path = op.template();
        for (String p : op.pathParams()) {
            String value = overrides.getOrDefault(
                    p,
                    switch (p) {
                        case "job_id" -> held;
                        case "path" -> "logs/hostile.log";
                        case "share_id" -> shareId;
                        case "token" -> shareToken;
                        case "id" -> op.template().startsWith("/v1/admin") ? "client_hostile_none" : done;
                        default -> "x";
                    });
            path = path.replace("{" + p + "}", value);
        }
        if (op.template().startsWith("/v1/miners")) {
            path += "?miner_id=" + minerId;
        }
        return path;
    }

    private Probe probe(String klass, Op op, String target, String key, byte[] body, boolean mustRefuse) {
        return new Probe(klass, op, op.method(), target, headers(key, Map.of()), body, mustRefuse, false);
    }

    private Probe raw(String klass, Op op, String target, String key, byte[] body, boolean mustRefuse) {
        return new Probe(klass, op, op.method(), target, headers(key, Map.of()), body, mustRefuse, true);
    }

    private Probe rawHeaders(String klass, Op op, String target, String key, byte[] body, Map<String, String> extra) {
        return new Probe(klass, op, op.method(), target, headers(key, extra), body, true, true);
    }

    private static Map<String, String> headers(String key, Map<String, String> extra) {
        Map<String, String> h = new LinkedHashMap<>();
        if (key != null) {
            h.put("X-Api-Key", key);
        }
        h.putAll(extra);
        return h;
    }

    // Sending and judging.

    private void check(Probe p) {
        perClass.computeIfAbsent(p.klass(), k -> new AtomicInteger()).incrementAndGet();
        String what = p.method() + " " + clip(p.rawTarget(), 120) + " [" + p.op().route() + "]"
                + (p.body() == null ? "" : " body " + clip(new String(p.body(), StandardCharsets.UTF_8), 80));
        Answer a;
        try {
            a = p.raw() ? sendRaw(p) : send(p);
        } catch (IOException | RuntimeException e) {
            fail(p, what + ": no answer (" + e + ")");
            return;
        }
        if (a.status() >= 500) {
            fail(p, what + " -> " + a.status() + " " + clip(a.body(), 200));
            return;
        }
        if (a.status() < 400) {
            if (p.mustRefuse()) {
                fail(p, what + " -> accepted " + a.status() + " " + clip(a.body(), 160));
            }
            return;
        }
        String problem = errorShapeProblem(a);
        if (problem == null && undecodable(p) && !malformedPath(a)) {
            problem = "an undecodable path must be 400 MALFORMED_PATH (the path guard)";
        }
        if (problem != null) {
            fail(p, what + " -> " + a.status() + ": " + problem + ": " + clip(a.body(), 200));
        }
    }

    private static boolean undecodable(Probe p) {
        String path = p.rawTarget().contains("?")
                ? p.rawTarget().substring(0, p.rawTarget().indexOf('?'))
                : p.rawTarget();
        return p.klass().equals("path-traversal") && UNDECODABLE.stream().anyMatch(path::contains);
    }

    private static boolean malformedPath(Answer a) {
        try (JsonReader r = Json.createReader(new StringReader(a.body()))) {
            return a.status() == 400
                    && r.readObject().getJsonObject("error").getString("code").equals("MALFORMED_PATH");
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void fail(Probe p, String message) {
        failures.computeIfAbsent(p.klass(), k -> Collections.synchronizedList(new ArrayList<>()))
                .add(message.replace("\r", "\\r").replace("\n", "\\n"));
    }

    /** Null when the answer is the one error shape, naming its status, without internals. */
    private static String errorShapeProblem(Answer a) {
        if (a.contentType() == null || !a.contentType().toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return "not JSON (" + a.contentType() + ")";
        }
        for (String name : INTERNAL_NAMES) {
            if (a.body().contains(name)) {
                return "names \"" + name + "\"";
            }
        }
        try (JsonReader r = Json.createReader(new StringReader(a.body()))) {
            JsonObject error = r.readObject().getJsonObject("error");
            if (error == null) {
                return "no error object";
            }
            if (error.getInt("status") != a.status()) {
                return "error.status " + error.getInt("status") + " is not the HTTP status";
            }
            if (!CODE.matcher(error.getString("code")).matches()) {
                return "error.code is not an upper-case word";
            }
            if (error.getString("message").isBlank()) {
                return "error.message is blank";
            }
            return null;
        } catch (RuntimeException e) {
            return "not the error shape (" + e.getClass().getSimpleName() + ")";
        }
    }

    private static Answer send(Probe p) {
        HttpRequest.Builder b = HttpRequest.newBuilder(BASE.resolve(p.rawTarget()))
                .timeout(TIMEOUT)
                .method(
                        p.method(),
                        p.body() == null
                                ? HttpRequest.BodyPublishers.noBody()
                                : HttpRequest.BodyPublishers.ofByteArray(p.body()));
        if (p.body() != null) {
            b.header(
                    "Content-Type",
                    p.op().template().contains("/files/") ? "application/octet-stream" : "application/json");
        }
        p.headers().forEach(b::header);
        try {
            HttpResponse<String> r = Api.HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(
                    r.statusCode(), r.headers().firstValue("Content-Type").orElse(null), r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One HTTP/1.1 request over a plain socket, exactly as written; the connection closes after it. */
    private static Answer sendRaw(Probe p) throws IOException {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(BASE.getHost(), BASE.getPort()), 10_000);
            s.setSoTimeout((int) TIMEOUT.toMillis());
            StringBuilder head = new StringBuilder();
            head.append(p.method()).append(' ').append(p.rawTarget()).append(" HTTP/1.1\r\n");
            head.append("Host: ")
                    .append(BASE.getHost())
                    .append(':')
                    .append(BASE.getPort())
                    .append("\r\n");
            head.append("Connection: close\r\n");
            p.headers().forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
            if (p.body() != null) {
                head.append("Content-Type: ")
                        .append(p.op().template().contains("/files/") ? "application/octet-stream" : "application/json")
                        .append("\r\n");
                head.append("Content-Length: ").append(p.body().length).append("\r\n");
            } else if (!p.method().equals("GET") && !p.method().equals("DELETE")) {
                head.append("Content-Length: 0\r\n");
            }
            head.append("\r\n");
            OutputStream out = s.getOutputStream();
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            if (p.body() != null) {
                try {
                    out.write(p.body());
                } catch (IOException closedEarly) {
                    // The server may answer and close before reading a body it refuses; read that answer.
                }
            }
            out.flush();
            return parse(readAll(s.getInputStream()));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        byte[] chunk = new byte[16 * 1024];
        try {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                buf.write(chunk, 0, n);
            }
        } catch (java.net.SocketException reset) {
            // A reset after the answer was sent: keep what arrived.
            if (buf.size() == 0) {
                throw reset;
            }
        }
        return buf.toByteArray();
    }

    private static Answer parse(byte[] bytes) throws IOException {
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || end < 0) {
            throw new IOException("no HTTP answer (" + bytes.length + " bytes)");
        }
        String[] lines = text.substring(0, end).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon > 0) {
                headers.put(
                        lines[i].substring(0, colon).trim(),
                        lines[i].substring(colon + 1).trim());
            }
        }
        byte[] rest = java.util.Arrays.copyOfRange(bytes, end + 4, bytes.length);
        if ("chunked".equalsIgnoreCase(headers.getOrDefault("Transfer-Encoding", ""))) {
            rest = dechunk(rest);
        }
        return new Answer(status, headers.get("Content-Type"), new String(rest, StandardCharsets.UTF_8));
    }

    private static byte[] dechunk(byte[] in) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < in.length) {
            int lineEnd = i;
            while (lineEnd + 1 < in.length && !(in[lineEnd] == '\r' && in[lineEnd + 1] == '\n')) {
                lineEnd++;
            }
            String size = new String(in, i, lineEnd - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int n = size.isEmpty() ? 0 : Integer.parseInt(size, 16);
            if (n == 0) {
                break;
            }
            int start = lineEnd + 2;
            out.write(in, start, Math.min(n, in.length - start));
            i = start + n + 2;
        }
        return out.toByteArray();
    }

    // What must not change.

    private Map<String, String> snapshot() {
        Map<String, String> s = new LinkedHashMap<>();
        for (String job : List.of(held, done)) {
            s.put(job + " view", stable(Api.get("/v1/jobs/" + job, client).body()));
            s.put(
                    job + " events",
                    Api.get("/v1/jobs/" + job + "/events?limit=1000", client).body());
            s.put(job + " result", answer(Api.get("/v1/jobs/" + job + "/result", client)));
            s.put(job + " checksum", answer(Api.get("/v1/jobs/" + job + "/checksum", client)));
        }
        s.put(done + " shares", Api.get("/v1/jobs/" + done + "/shares", client).body());
        s.put("client's jobs", stable(Api.get("/v1/jobs?limit=100", client).body()));
        s.put(
                "other client's jobs",
                stable(Api.get("/v1/jobs?limit=100", otherClient).body()));
        s.put("accounts", stable(Api.get("/v1/admin/accounts", admin).body()));
        return s;
    }

    private static String answer(Api.Res r) {
        return r.status() + " " + r.body();
    }

    /** A view without what changes by itself: lease times, last-seen and last-used stamps. */
    private static String stable(String json) {
        return json.replaceAll(
                "\"(lease_[a-z_]*|last_[a-z_]*|[a-z_]*heartbeat[a-z_]*|updated_at)\":(\"[^\"]*\"|[0-9.]+|null)", "");
    }

    private static String lastSegment(String url) {
        String path = URI.create(url).getPath();
        return path.substring(path.lastIndexOf('/') + 1);
    }

    private String completedJob(String region) {
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, minerId, 2));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + minerId, minerKey, null)
                .expect(200);
        Api.upload(minerKey, minerId, job, "logs/stdout.log", "hello\n".getBytes(StandardCharsets.UTF_8))
                .expect(200);
        Api.post(
                        "/v1/miners/" + job + "/result?miner_id=" + minerId,
                        minerKey,
                        "{\"result\":{\"output\":\"Hello, world\"},\"metrics\":{\"tokens\":3}}")
                .expect(200);
        return job;
    }

    private static String clip(String s, int max) {
        return s == null ? "null" : s.length() <= max ? s : s.substring(0, max) + "...(" + s.length() + ")";
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
