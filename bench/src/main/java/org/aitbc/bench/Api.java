package org.aitbc.bench;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.net.URI;

/**
 * The coordinator's API as the harness's set-up code calls it (accounts, submissions, miner
 * steps), on one {@link RawHttp} connection: one instance per thread. Failures throw, with the
 * answer in the message: set-up that goes wrong stops the run rather than skewing a figure.
 */
final class Api implements Closeable {
    final URI base;
    final RawHttp http;

    /** An account the admin API created: its id and its key (shown once). */
    record Account(String id, String key) {}

    Api(URI base) {
        this.base = base;
        this.http = new RawHttp(base);
    }

    static String[] headers(String key, String minerId, boolean json) {
        int n = (key == null ? 0 : 1) + (minerId == null ? 0 : 1) + (json ? 1 : 0);
        String[] h = new String[n];
        int i = 0;
        if (key != null) {
            h[i++] = "X-Api-Key: " + key;
        }
        if (minerId != null) {
            h[i++] = "X-Miner-ID: " + minerId;
        }
        if (json) {
            h[i] = "Content-Type: application/json";
        }
        return h;
    }

    RawHttp.Res call(String method, String path, String key, String minerId, String json) {
        try {
            return http.send(
                    method, path, headers(key, minerId, json != null), json == null ? null : RawHttp.utf8(json));
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path + " failed", e);
        }
    }

    RawHttp.Res expect(int status, String method, String path, String key, String minerId, String json) {
        RawHttp.Res r = call(method, path, key, minerId, json);
        if (r.status() != status) {
            throw new IllegalStateException(
                    method + " " + path + " answered " + r.status() + " (expected " + status + "): " + clip(r.text()));
        }
        return r;
    }

    static JsonObject json(RawHttp.Res r) {
        try (JsonReader reader = Json.createReader(new StringReader(r.text()))) {
            return reader.readObject();
        }
    }

    static String clip(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    Account account(String adminKey, String role, String plan, String name) {
        String body = "{\"role\":\"" + role + "\"" + (plan == null ? "" : ",\"plan\":\"" + plan + "\"") + ",\"name\":\""
                + name + "\"}";
        JsonObject o = json(expect(201, "POST", "/v1/admin/accounts", adminKey, null, body));
        return new Account(o.getString("id"), o.getString("api_key"));
    }

    /** A job body for the bench's own model and region, so that only the bench's miners take it. */
    static String jobBody(Tag tag, String input) {
        return "{\"model\":\"" + tag.model() + "\",\"input\":\"" + input + "\",\"requirements\":{\"gpu_type\":\"a100\","
                + "\"region\":\"" + tag.region() + "\"},\"priority\":\"normal\",\"timeout_seconds\":3600}";
    }

    String submit(String clientKey, Tag tag, String input) {
        return expect(201, "POST", "/v1/jobs", clientKey, null, jobBody(tag, input))
                .field("job_id");
    }

    void register(String minerKey, String minerId, Tag tag, int concurrency) {
        expect(
                200,
                "POST",
                "/v1/miners/register",
                minerKey,
                minerId,
                "{\"capabilities\":{\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}],\"models\":[\""
                        + tag.model() + "\"]},\"concurrency\":" + concurrency + ",\"region\":\"" + tag.region()
                        + "\"}");
    }

    /** Claims one job (null when none came within the wait). */
    String poll(String minerKey, String minerId, int waitSeconds) {
        RawHttp.Res r =
                call("POST", "/v1/miners/poll", minerKey, minerId, "{\"max_wait_seconds\":" + waitSeconds + "}");
        if (r.status() == 204) {
            return null;
        }
        if (r.status() != 200) {
            throw new IllegalStateException("poll answered " + r.status() + ": " + clip(r.text()));
        }
        return r.field("job_id");
    }

    void start(String minerKey, String minerId, String jobId) {
        expect(200, "POST", "/v1/miners/" + jobId + "/start", minerKey, minerId, null);
    }

    void complete(String minerKey, String minerId, String jobId) {
        expect(
                200,
                "POST",
                "/v1/miners/" + jobId + "/result",
                minerKey,
                minerId,
                "{\"result\":{\"output\":\"done\"},\"metrics\":{\"tokens\":1}}");
    }

    void heartbeat(String minerKey, String minerId) {
        expect(200, "POST", "/v1/miners/heartbeat", minerKey, minerId, "{\"inflight\":1,\"status\":\"BUSY\"}");
    }

    JsonObject job(String clientKey, String jobId) {
        return json(expect(200, "GET", "/v1/jobs/" + jobId, clientKey, null, null));
    }

    @Override
    public void close() {
        http.close();
    }

    /** The model and region that mark this run's jobs and miners. */
    record Tag(String model, String region) {}
}
