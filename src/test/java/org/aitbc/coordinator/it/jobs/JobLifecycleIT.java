package org.aitbc.coordinator.it.jobs;

import static org.aitbc.coordinator.it.support.Api.get;
import static org.aitbc.coordinator.it.support.Api.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/** Whole lifecycles through the real server, in both submission forms and the older miner protocol. */
public class JobLifecycleIT {
    private static final Set<String> VIEW_FIELDS = Set.of(
            "job_id",
            "status",
            "progress",
            "miner_id",
            "model",
            "priority",
            "created_at",
            "assigned_at",
            "started_at",
            "completed_at",
            "estimated_completion",
            "attempt",
            "error",
            "estimated_cost",
            "estimated_time_seconds",
            "cost",
            "result",
            "state",
            "assigned_miner_id",
            "requested_at",
            "constraints");

    @Test
    void currentFormThroughCompletionWithEveryField() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        Api.Res created = post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"input\":\"Hello\",\"output_config\":{\"format\":\"text\"},"
                                + "\"requirements\":{\"gpu_type\":\"a100\",\"gpu_count\":1,\"min_vram_gb\":16,\"region\":\""
                                + region + "\"},"
                                + "\"priority\":\"high\",\"timeout_seconds\":3600,\"ttl_seconds\":900}")
                .expect(201);
        JsonObject job = created.json();
        assertEquals(VIEW_FIELDS, job.keySet(), "the job view has exactly the documented fields");
        String id = job.getString("job_id");
        assertTrue(id.matches("job_[a-z0-9]{20,}"), id);
        assertEquals("pending", job.getString("status"));
        assertEquals("QUEUED", job.getString("state"));
        assertEquals(job.getString("created_at"), job.getString("requested_at"));
        assertTrue(job.getString("created_at").endsWith("Z"));
        assertEquals("high", job.getString("priority"));
        assertEquals(1, job.getInt("attempt"));
        // gpt2 has a configured typical duration of 60 s: 0.10 × 1 × 60/3600 × 1.5 = 0.0025
        assertEquals(
                0, job.getJsonNumber("estimated_cost").bigDecimalValue().compareTo(new java.math.BigDecimal("0.0025")));
        assertEquals(60, job.getInt("estimated_time_seconds"));
        assertFalse(job.getJsonObject("result").getBoolean("available"));

        Map<String, String> as = Map.of("X-Miner-ID", "lifecycle-" + region);
        JsonObject registered = Api.call(
                        "POST",
                        "/v1/miners/register",
                        minerKey,
                        "{\"capabilities\":{\"gpus\":"
                                + "[{\"name\":\"NVIDIA A100-SXM4-80GB\",\"memory_mb\":81920}],\"models\":[\"gpt2\"]},"
                                + "\"concurrency\":1,\"region\":\"" + region + "\"}",
                        as)
                .expect(200)
                .json();
        assertEquals("ok", registered.getString("status"));
        assertEquals("lifecycle-" + region, registered.getString("miner_id"));
        Api.Res claim = Api.call("POST", "/v1/miners/poll", minerKey, "{\"max_wait_seconds\":5}", as)
                .expect(200);
        assertEquals(id, claim.str("job_id"));
        JsonObject payload = claim.json().getJsonObject("payload");
        assertEquals("gpt2", payload.getString("model"));
        assertEquals("Hello", payload.getString("input"));
        assertEquals("a100", claim.json().getJsonObject("constraints").getString("gpu"));
        assertEquals(1, claim.json().getInt("attempt"));
        assertTrue(Instant.parse(claim.str("lease_expires_at")).isAfter(Instant.now()));

        JsonObject assigned = Api.job(client, id);
        assertEquals("assigned", assigned.getString("status"));
        assertEquals("RUNNING", assigned.getString("state"));
        assertEquals("lifecycle-" + region, assigned.getString("miner_id"));
        assertEquals("lifecycle-" + region, assigned.getString("assigned_miner_id"));
        assertNotNull(assigned.getString("assigned_at"));

        Api.call("POST", "/v1/miners/" + id + "/start", minerKey, null, as).expect(200);
        String eta = "2030-01-01T00:00:00Z";
        Api.Res progress = Api.call(
                        "POST",
                        "/v1/miners/" + id + "/progress",
                        minerKey,
                        "{\"progress\":45,\"message\":\"halfway\",\"estimated_completion\":\"" + eta + "\"}",
                        as)
                .expect(200);
        assertFalse(progress.json().getBoolean("cancel_requested"));
        JsonObject running = Api.job(client, id);
        assertEquals("running", running.getString("status"));
        assertEquals(45, running.getInt("progress"));
        assertEquals(eta, running.getString("estimated_completion").replace(".000Z", "Z"));
        assertNotNull(running.getString("started_at"));

        Api.call(
                        "POST",
                        "/v1/miners/" + id + "/result",
                        minerKey,
                        "{\"result\":{\"output\":\"Hello, world\"},\"metrics\":{\"tokens\":3}}",
                        as)
                .expect(200);
        JsonObject done = Api.job(client, id);
        assertEquals("completed", done.getString("status"));
        assertEquals("COMPLETED", done.getString("state"));
        assertEquals(100, done.getInt("progress"));
        assertNotNull(done.getString("completed_at"));
        assertNotEquals(JsonValue.NULL, done.get("cost"));
        assertEquals(JsonValue.NULL, done.get("error"));

        JsonObject result =
                get("/v1/jobs/" + id + "/result", client).expect(200).json();
        assertEquals("Hello, world", result.getJsonObject("result").getString("output"));
        assertEquals(3, result.getJsonObject("metrics").getInt("tokens"));

        JsonArray events = get("/v1/jobs/" + id + "/events", client).expect(200).array("events");
        List<String> kinds = events.stream()
                .map(JsonValue::asJsonObject)
                .map(e -> e.getString("type") + ":" + e.getString("status"))
                .toList();
        assertEquals(
                List.of("status:pending", "status:assigned", "status:running", "progress:running", "status:completed"),
                kinds);
        long previous = 0;
        for (JsonValue v : events) {
            long eventId = v.asJsonObject().getJsonNumber("event_id").longValue();
            assertTrue(eventId > previous, "event ids increase strictly");
            previous = eventId;
        }
        JsonArray after = get(
                        "/v1/jobs/" + id + "/events?after="
                                + events.get(2)
                                        .asJsonObject()
                                        .getJsonNumber("event_id")
                                        .longValue(),
                        client)
                .expect(200)
                .array("events");
        assertEquals(2, after.size());
        assertEquals("halfway", after.get(0).asJsonObject().getString("message"));
    }

    @Test
    void olderMarketplaceClientAndMinerWorkUnchanged() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        Api.Res created = post(
                        "/v1/jobs",
                        client,
                        "{\"payload\":{\"type\":\"inference\",\"model\":\"llama\","
                                + "\"prompt\":\"hi\"},\"constraints\":{\"gpu\":\"RTX 3090\",\"min_vram_gb\":16,\"region\":\""
                                + region
                                + "\"},\"ttl_seconds\":900}")
                .expect(201);
        String id = created.str("job_id");
        JsonObject view = Api.job(client, id);
        assertEquals("QUEUED", view.getString("state"));
        assertNotNull(view.getString("requested_at"));
        assertEquals(JsonValue.NULL, view.get("assigned_miner_id"));

        String name = "legacy-" + region;
        post(
                        "/v1/miners/register?miner_id=" + name,
                        minerKey,
                        "{\"capabilities\":{\"gpu\":\"NVIDIA RTX 3090\","
                                + "\"vram_gb\":24,\"models\":[\"llama\"],\"region\":\"" + region + "\"}}")
                .expect(200);
        post(
                        "/v1/miners/heartbeat?miner_id=" + name,
                        minerKey,
                        "{\"status\":\"ONLINE\",\"inflight\":0,\"metadata\":{\"version\":\"0.9\"}}")
                .expect(200);
        Api.Res claim = post("/v1/miners/poll?miner_id=" + name, minerKey, "{\"max_wait_seconds\":5}")
                .expect(200);
        assertEquals(id, claim.str("job_id"));
        assertEquals(
                "hi", claim.json().getJsonObject("payload").getString("prompt"), "the payload is handed over as sent");
        assertEquals("inference", claim.json().getJsonObject("payload").getString("type"));
        assertEquals(name, Api.job(client, id).getString("assigned_miner_id"));

        post(
                        "/v1/miners/" + id + "/result?miner_id=" + name,
                        minerKey,
                        "{\"result\":{\"text\":\"hello\"},\"metrics\":{\"ms\":5}}")
                .expect(200);
        JsonObject done = Api.job(client, id);
        assertEquals("COMPLETED", done.getString("state"));
        List<String> statuses = get("/v1/jobs/" + id + "/events", client).array("events").stream()
                .map(v -> v.asJsonObject().getString("status"))
                .toList();
        assertEquals(List.of("pending", "assigned", "running", "completed"), statuses, "completed through running");
        assertEquals(
                204,
                post("/v1/miners/poll?miner_id=" + name, minerKey, "{\"max_wait_seconds\":0}")
                        .status());
    }

    @Test
    void idempotencyKeyReturnsTheFirstJob() {
        String client = Api.client();
        String body =
                "{\"model\":\"gpt2\",\"input\":\"once\",\"requirements\":{\"region\":\"" + Api.uniqueRegion() + "\"}}";
        String key = "idem-" + Api.uniqueRegion();
        Api.Res first = Api.call("POST", "/v1/jobs", client, body, Map.of("Idempotency-Key", key))
                .expect(201);
        Api.Res again = Api.call("POST", "/v1/jobs", client, body, Map.of("Idempotency-Key", key))
                .expect(200);
        assertEquals(first.str("job_id"), again.str("job_id"));
        Api.call("POST", "/v1/jobs", client, body.replace("once", "twice"), Map.of("Idempotency-Key", key))
                .expectError(422, "IDEMPOTENCY_MISMATCH");
        // The same key of another client is another client's business.
        Api.call("POST", "/v1/jobs", Api.client(), body, Map.of("Idempotency-Key", key))
                .expect(201);
        assertEquals(1, get("/v1/jobs?limit=100", client).expect(200).json().getInt("total"));
    }

    @Test
    void batchIsAllOrNothing() {
        String client = Api.client();
        Api.Res bad = post(
                        "/v1/jobs/batch",
                        client,
                        "[{\"model\":\"gpt2\"},{\"model\":\"\"},{\"model\":\"x\",\"priority\":\"asap\"}]")
                .expectError(422, "VALIDATION_FAILED");
        Set<String> fields = bad.json().getJsonObject("error").getJsonArray("fields").stream()
                .map(v -> v.asJsonObject().getString("field"))
                .collect(Collectors.toSet());
        assertEquals(Set.of("[1].model", "[2].priority"), fields);
        assertEquals(0, get("/v1/jobs", client).json().getInt("total"), "nothing was created");

        String region = Api.uniqueRegion();
        JsonArray jobs = post(
                        "/v1/jobs/batch",
                        client,
                        "[{\"model\":\"gpt2\",\"priority\":\"low\",\"requirements\":{\"region\":\"" + region
                                + "\"}},{\"payload\":{\"type\":\"training\"},\"constraints\":{\"region\":\"" + region
                                + "\"}}]")
                .expect(201)
                .array("jobs");
        assertEquals(2, jobs.size());
        assertEquals("low", jobs.get(0).asJsonObject().getString("priority"));
        assertEquals(2, get("/v1/jobs", client).json().getInt("total"));
        assertEquals(
                1,
                get("/v1/jobs?status=pending&limit=1", client)
                        .json()
                        .getJsonArray("jobs")
                        .size());
    }
}
