package org.aitbc.coordinator.it.miners;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Map;
import org.aitbc.coordinator.domain.Pricing;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * The marketplace's own miners, unchanged, against the real server (issue 13, items 1-5 and 9;
 * issue 14, finding 9): their registration bodies exactly as they send them, read back through
 * the admin view; sessions; the remembered miner id; failure reported through /result; Bearer
 * keys; miner ids that cannot be squatted.
 */
class MarketplaceMinersIT {
    /** The production miner's registration body, as it sends it (with its region made unique). */
    private static String productionBody(String region) {
        return "{\"capabilities\": {\"gpus\": [{\"name\": \"NVIDIA GeForce RTX 4090\", \"memory_mb\": 24564,"
                + " \"architecture\": \"ada_lovelace\", \"compute_capability\": \"8.9\"}], \"cuda\": \"12.4\","
                + " \"models\": [\"llama3.2:3b\"], \"price\": 0.01, \"region\": \"" + region + "\","
                + " \"platform\": \"CUDA\", \"supported_tasks\": [\"inference\", \"transcribe\"],"
                + " \"max_concurrent_jobs\": 1}, \"concurrency\": 1, \"region\": \"" + region + "\"}";
    }

    /** The example miner's registration body. */
    private static final String EXAMPLE_BODY = "{\"capabilities\": {\"gpu\": {\"model\": \"RTX 4060 Ti\","
            + " \"memory_gb\": 16, \"cuda_version\": \"12.4\"}, \"compute\": {\"type\": \"GPU\", \"platform\": \"CUDA\","
            + " \"supported_tasks\": [\"inference\"], \"max_concurrent_jobs\": 1}}}";

    private static Api.Res post(String path, String key, String body, Map<String, String> headers) {
        return Api.call("POST", path, key, body, headers);
    }

    /** A job for the production miner, which serves the one model it lists. */
    private static String submitForProduction(String client, String region) {
        return Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"llama3.2:3b\",\"input\":\"hi\",\"requirements\":{\"region\":\"" + region + "\"}}")
                .expect(201)
                .str("job_id");
    }

    private static JsonObject adminView(String minerId) {
        return Api.get("/v1/admin/miners/" + minerId, Api.ADMIN_KEY).expect(200).json();
    }

    @Test
    void eachRegistrationShapeIsAcceptedAndKeptWhole() {
        String key = Api.miner();
        String region = Api.uniqueRegion();

        // 1. The production miner: X-Miner-ID, gpus with extra fields, top-level extras.
        String production = region + "-prod";
        JsonObject reg = post("/v1/miners/register", key, productionBody(region), Map.of("X-Miner-ID", production))
                .expect(200)
                .json();
        assertEquals("ok", reg.getString("status"));
        assertEquals(production, reg.getString("miner_id"));
        String token = reg.getString("session_token");
        assertTrue(token.length() >= 26, "at least 128 random bits: " + token);
        JsonObject view = adminView(production);
        assertEquals(production, view.getString("miner_id"));
        assertTrue(view.getBoolean("registered"));
        assertEquals(1, view.getInt("session"));
        JsonObject caps = view.getJsonObject("capabilities");
        assertEquals(
                "ada_lovelace",
                caps.getJsonArray("gpus").getJsonObject(0).getString("architecture"),
                "unknown GPU fields are kept");
        assertEquals("12.4", caps.getString("cuda"));
        assertEquals("CUDA", caps.getString("platform"));
        assertEquals("transcribe", caps.getJsonArray("supported_tasks").getString(1));
        assertEquals(new BigDecimal("0.01"), caps.getJsonNumber("price").bigDecimalValue());
        assertEquals("rtx4090", view.getJsonArray("gpu_names").getString(0), "names normalised for matching");
        assertEquals(24, view.getInt("max_vram_gb"), "24,564 MB is a 24 GB card");
        assertEquals(1, view.getInt("gpu_count"));
        assertEquals(region, view.getString("region"));
        assertEquals("llama3.2:3b", view.getJsonArray("models").getString(0));
        assertFalse(view.toString().contains(token), "the admin view never shows the session token");

        // The same on a CPU-only host: gpus empty.
        String cpu = region + "-cpu";
        String cpuBody = productionBody(region)
                .replace(
                        "[{\"name\": \"NVIDIA GeForce RTX 4090\", \"memory_mb\": 24564,"
                                + " \"architecture\": \"ada_lovelace\", \"compute_capability\": \"8.9\"}]",
                        "[]");
        post("/v1/miners/register", key, cpuBody, Map.of("X-Miner-ID", cpu)).expect(200);
        assertEquals(0, adminView(cpu).getInt("gpu_count"));

        // 2. The example miner: ?miner_id=, gpu as an object, compute.
        String example = region + "-example";
        reg = post("/v1/miners/register?miner_id=" + example, key, EXAMPLE_BODY, Map.of())
                .expect(200)
                .json();
        assertEquals(example, reg.getString("miner_id"));
        assertNotEquals(token, reg.getString("session_token"));
        view = adminView(example);
        assertEquals("rtx4060ti", view.getJsonArray("gpu_names").getString(0));
        assertEquals(16, view.getInt("max_vram_gb"));
        assertEquals(1, view.getInt("gpu_count"));
        assertEquals(
                "GPU",
                view.getJsonObject("capabilities").getJsonObject("compute").getString("type"));
        assertEquals(
                "12.4", view.getJsonObject("capabilities").getJsonObject("gpu").getString("cuda_version"));

        // 3. The older miners: gpu as a name, vram_gb; an unknown top-level field is kept as "extra".
        String older = region + "-older";
        post(
                        "/v1/miners/register?miner_id=" + older,
                        key,
                        "{\"capabilities\": {\"gpu\": \"NVIDIA A100\", \"vram_gb\": 80},"
                                + " \"wallet_address\": \"aitbc1qxyz\"}",
                        Map.of())
                .expect(200);
        view = adminView(older);
        assertEquals("a100", view.getJsonArray("gpu_types").getString(0));
        assertEquals("a100", view.getJsonArray("gpu_names").getString(0));
        assertEquals(80, view.getInt("max_vram_gb"));
        assertEquals("aitbc1qxyz", view.getJsonObject("extra").getString("wallet_address"));

        // The list shows them all.
        String list = Api.get("/v1/admin/miners?limit=500&after=" + region, Api.ADMIN_KEY)
                .expect(200)
                .body();
        for (String id : new String[] {production, cpu, example, older}) {
            assertTrue(list.contains("\"" + id + "\""), id + " is listed");
        }
        // From the first miner (no ?after, or an empty one): the page is full of miners, in id order.
        for (String first : new String[] {"/v1/admin/miners?limit=3", "/v1/admin/miners?after=&limit=3"}) {
            JsonObject page = Api.get(first, Api.ADMIN_KEY).expect(200).json();
            assertEquals(3, page.getJsonArray("miners").size(), first);
        }
        Api.get("/v1/admin/miners/" + region + "-nobody", Api.ADMIN_KEY).expectError(404, "MINER_NOT_FOUND");
        Api.get("/v1/admin/miners", key).expectError(403, "FORBIDDEN");
    }

    @Test
    void wrongTypesOfReadFieldsAreRefusedByNameAndChangeNothing() {
        String key = Api.miner();
        String id = Api.uniqueRegion() + "-m";
        post("/v1/miners/register?miner_id=" + id, key, EXAMPLE_BODY, Map.of()).expect(200);
        String before = adminView(id).getJsonObject("capabilities").toString();
        String[][] cases = {
            {"{\"capabilities\": {\"gpu\": {\"model\": 4060}}}", "capabilities.gpu.model"},
            {"{\"capabilities\": {\"gpu\": {\"model\": \"RTX\", \"memory_gb\": \"16\"}}}", "capabilities.gpu.memory_gb"
            },
            {"{\"capabilities\": {\"gpu\": 7}}", "capabilities.gpu"},
            {
                "{\"capabilities\": {\"gpus\": [{\"name\": \"RTX\", \"memory_mb\": \"lots\"}]}}",
                "capabilities.gpus[0].memory_mb"
            },
            {"{\"capabilities\": {\"price\": \"cheap\"}}", "capabilities.price"},
            {"{\"capabilities\": {\"cuda\": true}}", "capabilities.cuda"},
            {
                "{\"capabilities\": {\"compute\": {\"max_concurrent_jobs\": \"one\"}}}",
                "capabilities.compute.max_concurrent_jobs"
            },
        };
        for (String[] c : cases) {
            JsonObject error = post("/v1/miners/register?miner_id=" + id, key, c[0], Map.of())
                    .expectError(422, "VALIDATION_FAILED")
                    .json()
                    .getJsonObject("error");
            assertEquals(c[1], error.getJsonArray("fields").getJsonObject(0).getString("field"), c[0]);
        }
        JsonObject after = adminView(id);
        assertEquals(before, after.getJsonObject("capabilities").toString(), "refused registrations changed nothing");
        assertEquals(1, after.getInt("session"), "and started no session");
    }

    @Test
    void theProductionHeartbeatIsKeptAsTelemetry() {
        String key = Api.miner();
        String region = Api.uniqueRegion();
        String id = region + "-prod";
        post("/v1/miners/register", key, productionBody(region), Map.of("X-Miner-ID", id))
                .expect(200);
        JsonObject beat = post(
                        "/v1/miners/heartbeat",
                        key,
                        "{\"status\": \"active\", \"current_jobs\": 0, \"last_seen\": \"2026-02-13T10:30:00+00:00\","
                                + " \"gpu_utilization\": 17, \"memory_used\": 2048, \"memory_total\": 16384,"
                                + " \"network_latency_ms\": 12.5}",
                        Map.of("X-Miner-ID", id))
                .expect(200)
                .json();
        assertEquals("ok", beat.getString("status"));
        JsonObject view = adminView(id);
        assertEquals("active", view.getString("status"));
        assertEquals(0, view.getInt("inflight"), "current_jobs is inflight");
        JsonObject telemetry = view.getJsonObject("telemetry");
        assertEquals(17, telemetry.getInt("gpu_utilization"));
        assertEquals(16384, telemetry.getInt("memory_total"));
        assertEquals("2026-02-13T10:30:00+00:00", telemetry.getString("last_seen"));
        post("/v1/miners/heartbeat", key, "{\"current_jobs\": 3}", Map.of("X-Miner-ID", id))
                .expect(200);
        assertEquals(3, adminView(id).getInt("inflight"));
        post("/v1/miners/heartbeat", key, "{\"current_jobs\": \"none\"}", Map.of("X-Miner-ID", id))
                .expectError(422, "VALIDATION_FAILED");
    }

    @Test
    void aNewRegistrationRequeuesTheOldSessionsJobsAndFencesItsWrites() {
        String client = Api.client();
        String key = Api.miner();
        String region = Api.uniqueRegion();
        String id = region + "-m";
        String oldToken = post("/v1/miners/register", key, productionBody(region), Map.of("X-Miner-ID", id))
                .expect(200)
                .str("session_token");
        Map<String, String> oldSession = Map.of("X-Miner-ID", id, "X-Miner-Session", oldToken);
        String job = submitForProduction(client, region);
        assertEquals(
                job,
                post("/v1/miners/poll", key, "{\"max_wait_seconds\":5}", oldSession)
                        .expect(200)
                        .str("job_id"));
        post("/v1/miners/" + job + "/start", key, null, oldSession).expect(200);
        assertEquals("running", Api.job(client, job).getString("status"));

        // The miner's process restarts and registers again: the old session's job is requeued at once.
        String newToken = post("/v1/miners/register", key, productionBody(region), Map.of("X-Miner-ID", id))
                .expect(200)
                .str("session_token");
        assertNotEquals(oldToken, newToken);
        JsonObject requeued = Api.job(client, job);
        assertEquals("pending", requeued.getString("status"), "requeued at once, not after the lease");
        assertEquals(2, requeued.getInt("attempt"), "the lost run counts as an attempt");
        assertEquals(2, adminView(id).getInt("session"));

        // The old session's late writes are fenced.
        post("/v1/miners/" + job + "/progress", key, "{\"progress\":50}", oldSession)
                .expectError(409, "LEASE_LOST");
        post("/v1/miners/heartbeat", key, "{}", oldSession).expectError(409, "LEASE_LOST");
        post("/v1/miners/poll", key, "{\"max_wait_seconds\":0}", oldSession).expectError(409, "LEASE_LOST");
        assertEquals("pending", Api.job(client, job).getString("status"), "the fenced calls changed nothing");

        // The new session claims it again; the old one still cannot write about it, the new one can.
        Map<String, String> newSession = Map.of("X-Miner-ID", id, "X-Miner-Session", newToken);
        assertEquals(
                job,
                post("/v1/miners/poll", key, "{\"max_wait_seconds\":5}", newSession)
                        .expect(200)
                        .str("job_id"));
        post("/v1/miners/" + job + "/result", key, "{\"result\":{\"output\":\"late\"}}", oldSession)
                .expectError(409, "LEASE_LOST");
        assertEquals("assigned", Api.job(client, job).getString("status"));
        post("/v1/miners/" + job + "/result", key, "{\"result\":{\"output\":\"ok\"}}", newSession)
                .expect(200);
        JsonObject done = Api.job(client, job);
        assertEquals("completed", done.getString("status"));
        assertEquals(2, done.getInt("attempt"));

        // A miner without sessions (an older one) keeps working as before.
        String job2 = submitForProduction(client, region);
        assertEquals(
                job2,
                post("/v1/miners/poll", key, "{\"max_wait_seconds\":5}", Map.of("X-Miner-ID", id))
                        .expect(200)
                        .str("job_id"));
        post("/v1/miners/" + job2 + "/result", key, "{\"result\":{}}", Map.of("X-Miner-ID", id))
                .expect(200);
    }

    @Test
    void aMinerIdGivenOnceIsRemembered() {
        String client = Api.client();
        String key = Api.miner();
        String region = Api.uniqueRegion();
        String name = region + "-example";
        // The example miner: registers and heartbeats naming its id, polls and reports naming none.
        post(
                        "/v1/miners/register?miner_id=" + name,
                        key,
                        "{\"capabilities\": {\"gpu\": {\"model\": \"RTX 4060 Ti\", \"memory_gb\": 16,"
                                + " \"cuda_version\": \"12.4\"}, \"compute\": {\"type\": \"GPU\", \"platform\":"
                                + " \"CUDA\", \"supported_tasks\": [\"inference\"], \"max_concurrent_jobs\": 1}},"
                                + " \"region\": \"" + region + "\"}",
                        Map.of())
                .expect(200);
        post("/v1/miners/heartbeat?miner_id=" + name, key, "{\"status\":\"ONLINE\"}", Map.of())
                .expect(200);
        String job = Api.submit(client, region);
        assertEquals(
                job,
                post("/v1/miners/poll", key, "{\"max_wait_seconds\":5}", Map.of())
                        .expect(200)
                        .str("job_id"),
                "matched on the remembered miner's region");
        JsonObject claimed = Api.job(client, job);
        assertEquals(name, claimed.getString("miner_id"));
        assertEquals(name, claimed.getString("assigned_miner_id"));
        post("/v1/miners/" + job + "/result", key, "{\"result\":{\"output\":\"hi\"}}", Map.of())
                .expect(200);
        assertEquals("completed", Api.job(client, job).getString("status"));
        assertEquals(0, adminView(name).getInt("held_jobs"), "it holds nothing now");
    }

    @Test
    void failureReportedThroughResultFailsTheJobAsFailWould() throws InterruptedException {
        String client = Api.client();
        String key = Api.miner();
        String region = Api.uniqueRegion();
        String id = region + "-m";
        Api.register(key, id, region, 2);
        String job = Api.submit(client, region);
        String other = Api.submit(client, region);
        assertNotNull(Api.poll(key, id, 5));
        assertNotNull(Api.poll(key, id, 5));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + id, key, null).expect(200);
        Api.post("/v1/miners/" + other + "/start?miner_id=" + id, key, null).expect(200);
        Thread.sleep(2_100);
        JsonObject answer = Api.post(
                        "/v1/miners/" + job + "/result?miner_id=" + id,
                        key,
                        "{\"result\": {\"status\": \"failed\", \"error\": \"CUDA out of memory\"}}")
                .expect(200)
                .json();
        assertEquals("failed", answer.getString("job_status"));
        JsonObject failed = Api.job(client, job);
        assertEquals("failed", failed.getString("status"));
        assertEquals("MINER_FAILED", failed.getJsonObject("error").getString("code"));
        assertEquals("CUDA out of memory", failed.getJsonObject("error").getString("message"));
        long ran = (Instant.parse(failed.getString("completed_at")).toEpochMilli()
                        - Instant.parse(failed.getString("started_at")).toEpochMilli())
                / 1000;
        assertTrue(ran >= 2, "it ran about two seconds: " + ran);
        BigDecimal expected = Pricing.compute(new BigDecimal("0.05"), 1, ran, BigDecimal.ONE);
        assertEquals(
                0,
                expected.compareTo(failed.getJsonNumber("cost").bigDecimalValue()),
                "charged for the run time only: " + failed);
        assertTrue(
                failed.getJsonNumber("cost")
                                .bigDecimalValue()
                                .compareTo(
                                        failed.getJsonNumber("estimated_cost").bigDecimalValue())
                        < 0,
                "less than the estimate");

        // An error code given is kept.
        Api.post(
                        "/v1/miners/" + other + "/result?miner_id=" + id,
                        key,
                        "{\"result\": {\"status\": \"failed\", \"error\": \"no memory\", \"error_code\": \"OOM\"}}")
                .expect(200);
        assertEquals("OOM", Api.job(client, other).getJsonObject("error").getString("code"));
        // Any other status completes.
        String third = Api.submit(client, region);
        assertEquals(third, Api.poll(key, id, 5));
        Api.post(
                        "/v1/miners/" + third + "/result?miner_id=" + id,
                        key,
                        "{\"result\": {\"status\": \"completed\", \"output\": \"fine\"}}")
                .expect(200);
        assertEquals("completed", Api.job(client, third).getString("status"));
    }

    @Test
    void bearerKeysWorkAndTwoDifferentKeysAre401() {
        String client = Api.client();
        String other = Api.client();
        Api.get("/v1/jobs", null).expectError(401, "UNAUTHENTICATED");
        Api.call("GET", "/v1/jobs", null, null, Map.of("Authorization", "Bearer " + client))
                .expect(200);
        Api.call("GET", "/v1/jobs", client, null, Map.of("Authorization", "Bearer " + client))
                .expect(200);
        Api.call("GET", "/v1/jobs", client, null, Map.of("Authorization", "Bearer " + other))
                .expectError(401, "UNAUTHENTICATED");
        Api.call("GET", "/v1/jobs", null, null, Map.of("Authorization", "Bearer aitbc_notakey"))
                .expectError(401, "UNAUTHENTICATED");
        Api.call("GET", "/v1/jobs", null, null, Map.of("Authorization", "Basic " + client))
                .expectError(401, "UNAUTHENTICATED");
        // A whole miner round on Bearer alone.
        String miner = Api.miner();
        String region = Api.uniqueRegion();
        Map<String, String> bearer = Map.of("Authorization", "Bearer " + miner, "X-Miner-ID", region + "-m");
        Api.call("POST", "/v1/miners/register", null, productionBody(region), bearer)
                .expect(200);
        String job = Api.call(
                        "POST",
                        "/v1/jobs",
                        null,
                        "{\"model\":\"llama3.2:3b\",\"input\":\"hi\",\"requirements\":{\"region\":\"" + region + "\"}}",
                        Map.of("Authorization", "Bearer " + client))
                .expect(201)
                .str("job_id");
        assertEquals(
                job,
                Api.call("POST", "/v1/miners/poll", null, "{\"max_wait_seconds\":5}", bearer)
                        .expect(200)
                        .str("job_id"));
        Api.call(
                        "POST",
                        "/v1/miners/" + job + "/result",
                        miner,
                        "{\"result\":{}}",
                        Map.of("Authorization", "Bearer " + client, "X-Miner-ID", region + "-m"))
                .expectError(401, "UNAUTHENTICATED");
        assertEquals("assigned", Api.job(client, job).getString("status"), "the refused call changed nothing");
    }

    @Test
    void anotherAccountsMinerIdCannotBeSquatted() {
        String owner = Api.miner();
        String squatter = Api.miner();
        String client = Api.client();
        String region = Api.uniqueRegion();

        // Registered by its owner: another account's registration, poll and heartbeat are 403 naming it.
        String taken = region + "-taken";
        String token = post("/v1/miners/register", owner, productionBody(region), Map.of("X-Miner-ID", taken))
                .expect(200)
                .str("session_token");
        String job = submitForProduction(client, region);
        assertEquals(job, Api.poll(owner, taken, 5));
        String before = adminView(taken).toString();
        String message = post("/v1/miners/register", squatter, EXAMPLE_BODY, Map.of("X-Miner-ID", taken))
                .expectError(403, "FORBIDDEN")
                .json()
                .getJsonObject("error")
                .getString("message");
        assertTrue(message.contains(taken), message);
        post("/v1/miners/poll", squatter, "{}", Map.of("X-Miner-ID", taken)).expectError(403, "FORBIDDEN");
        post("/v1/miners/heartbeat", squatter, "{}", Map.of("X-Miner-ID", taken))
                .expectError(403, "FORBIDDEN");
        post("/v1/miners/" + job + "/result", squatter, "{\"result\":{}}", Map.of("X-Miner-ID", taken))
                .expectError(403, "FORBIDDEN");
        JsonObject after = adminView(taken);
        assertEquals(
                before.replaceAll("\"last_seen_at\":\"[^\"]*\"", ""),
                after.toString().replaceAll("\"last_seen_at\":\"[^\"]*\"", ""),
                "nothing changed");
        assertEquals("assigned", Api.job(client, job).getString("status"));
        post(
                        "/v1/miners/" + job + "/result",
                        owner,
                        "{\"result\":{}}",
                        Map.of("X-Miner-ID", taken, "X-Miner-Session", token))
                .expect(200);

        // Reserved by an admin before its first registration: only that account may register it.
        String ownerAccount =
                Api.get("/v1/admin/miners/" + taken, Api.ADMIN_KEY).str("account_id");
        String reserved = region + "-future";
        Api.call(
                        "PUT",
                        "/v1/admin/miners/" + reserved,
                        Api.ADMIN_KEY,
                        "{\"account_id\":\"" + ownerAccount + "\"}",
                        Map.of())
                .expect(200);
        assertFalse(adminView(reserved).getBoolean("registered"));
        post("/v1/miners/register", squatter, EXAMPLE_BODY, Map.of("X-Miner-ID", reserved))
                .expectError(403, "FORBIDDEN");
        assertEquals(ownerAccount, adminView(reserved).getString("account_id"));
        assertFalse(adminView(reserved).getBoolean("registered"), "the refused registration changed nothing");
        post("/v1/miners/register", owner, EXAMPLE_BODY, Map.of("X-Miner-ID", reserved))
                .expect(200);
        Api.call("PUT", "/v1/admin/miners/" + reserved, Api.ADMIN_KEY, "{\"account_id\":\"nobody\"}", Map.of())
                .expectError(422, "VALIDATION_FAILED");

        // Naming an id nobody registered yet does not bind it: its owner can still register it later.
        String future = region + "-later";
        post("/v1/miners/heartbeat", squatter, "{}", Map.of("X-Miner-ID", future))
                .expect(200);
        Api.get("/v1/admin/miners/" + future, Api.ADMIN_KEY).expectError(404, "MINER_NOT_FOUND");
        post("/v1/miners/register", owner, EXAMPLE_BODY, Map.of("X-Miner-ID", future))
                .expect(200);
        assertEquals(ownerAccount, adminView(future).getString("account_id"));
        post("/v1/miners/heartbeat", squatter, "{}", Map.of("X-Miner-ID", future))
                .expectError(403, "FORBIDDEN");
    }
}
