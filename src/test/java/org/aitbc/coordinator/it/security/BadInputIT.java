package org.aitbc.coordinator.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * Bad input on every route answers 4xx in the one error shape, names the field or reason, and
 * changes nothing. No request answers 500.
 */
public class BadInputIT {
    private static Set<String> fields(Api.Res r) {
        return r.json().getJsonObject("error").getJsonArray("fields").stream()
                .map(v -> v.asJsonObject().getString("field"))
                .collect(Collectors.toSet());
    }

    @Test
    void submissionsThatAreWrongChangeNothing() {
        String client = Api.client();
        Api.post("/v1/jobs", client, "{\"model\":").expectError(400, "MALFORMED_JSON");
        Api.post("/v1/jobs", client, "[1,2]").expectError(400, "MALFORMED_JSON");
        Api.post("/v1/jobs", client, "").expectError(400, "MALFORMED_JSON");
        Api.post("/v1/jobs", client, "\"text\"").expectError(400, "MALFORMED_JSON");

        Api.Res all = Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":42,\"priority\":\"asap\",\"timeout_seconds\":0,"
                                + "\"ttl_seconds\":86401,\"requirements\":{\"gpu_type\":\"k80\",\"gpu_count\":65,\"min_vram_gb\":-1}}")
                .expectError(422, "VALIDATION_FAILED");
        assertEquals(
                Set.of(
                        "model",
                        "priority",
                        "timeout_seconds",
                        "ttl_seconds",
                        "requirements.gpu_type",
                        "requirements.gpu_count",
                        "requirements.min_vram_gb"),
                fields(all));
        assertEquals(
                Set.of("model"),
                fields(Api.post("/v1/jobs", client, "{\"input\":\"x\"}").expect(422)));
        assertEquals(
                Set.of("requirements.gpu_count"),
                fields(Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"requirements\":{\"gpu_count\":\"4\"}}")
                        .expect(422)));
        assertEquals(
                Set.of("requirements.gpu_count"),
                fields(Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"requirements\":{\"gpu_count\":1.5}}")
                        .expect(422)));
        assertEquals(
                Set.of("requirements"),
                fields(Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"requirements\":[]}")
                        .expect(422)));
        assertEquals(
                Set.of("model"),
                fields(Api.post("/v1/jobs", client, "{\"model\":\"" + "m".repeat(201) + "\"}")
                        .expect(422)));
        assertEquals(
                Set.of("payload"),
                fields(Api.post("/v1/jobs", client, "{\"payload\":\"text\"}").expect(422)));
        assertEquals(
                Set.of("constraints.gpu"),
                fields(Api.post(
                                "/v1/jobs",
                                client,
                                "{\"payload\":{\"type\":\"inference\"},\"constraints\":{\"gpu\":\"TPU\"}}")
                        .expect(422)));
        // Inline input above 1 MiB belongs in /v1/files.
        String big = "x".repeat(1_100_000);
        assertEquals(
                Set.of("input"),
                fields(Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"input\":\"" + big + "\"}")
                        .expect(422)));
        // A body beyond the request limit is refused before it is parsed.
        Api.post("/v1/jobs", client, "{\"model\":\"gpt2\",\"input\":\"" + "y".repeat(5_000_000) + "\"}")
                .expectError(413, "PAYLOAD_TOO_LARGE");
        Api.post("/v1/jobs/batch", client, "{}").expectError(400, "MALFORMED_JSON");
        Api.post("/v1/jobs/batch", client, "[]").expectError(422, "VALIDATION_FAILED");
        Api.post("/v1/jobs/batch", client, "[3]").expectError(422, "VALIDATION_FAILED");

        assertEquals(0, Api.get("/v1/jobs", client).expect(200).json().getInt("total"), "nothing was created");
    }

    @Test
    void badQueryParametersAreNamed() {
        String client = Api.client();
        for (Map.Entry<String, String> bad : Map.of(
                        "status=done",
                        "status",
                        "days=0",
                        "days",
                        "days=x",
                        "days",
                        "from=2026-13-01",
                        "from",
                        "from=2026-02-01&to=2026-01-01",
                        "to",
                        "limit=0",
                        "limit",
                        "limit=1001",
                        "limit",
                        "cursor=bm90LWEtY3Vyc29y",
                        "cursor")
                .entrySet()) {
            Api.Res r = Api.get("/v1/jobs?" + bad.getKey(), client).expectError(400, "INVALID_PARAMETER");
            assertEquals(Set.of(bad.getValue()), fields(r), bad.getKey());
        }
        Api.get("/v1/jobs/history?to=yesterday", client).expectError(400, "INVALID_PARAMETER");
        String job = Api.submit(client, Api.uniqueRegion());
        Api.get("/v1/jobs/" + job + "/events?after=-1", client).expectError(400, "INVALID_PARAMETER");
        Api.get("/v1/jobs/" + job + "/events?after=abc", client).expectError(400, "INVALID_PARAMETER");
    }

    @Test
    void unknownJobsAndRoutes() {
        String client = Api.client();
        String minerKey = Api.miner();
        String missing = "job_doesnotexist000000000000";
        Api.get("/v1/jobs/" + missing, client).expectError(404, "JOB_NOT_FOUND");
        Api.get("/v1/jobs/" + missing + "/events", client).expectError(404, "JOB_NOT_FOUND");
        Api.get("/v1/jobs/" + missing + "/result", client).expectError(404, "JOB_NOT_FOUND");
        Api.delete("/v1/jobs/" + missing, client).expectError(404, "JOB_NOT_FOUND");
        Api.post("/v1/jobs/" + missing + "/cancel", client, null).expectError(404, "JOB_NOT_FOUND");
        for (String action : List.of("start", "progress", "result", "fail")) {
            Api.post("/v1/miners/" + missing + "/" + action, minerKey, "{\"progress\":1}")
                    .expectError(404, "JOB_NOT_FOUND");
        }
        Api.get("/v1/nothing-here", client).expectError(404, "NOT_FOUND");
        Api.call("PATCH", "/v1/jobs", client, "{}", Map.of()).expectError(405, "METHOD_NOT_ALLOWED");
        Api.post("/v1/admin/accounts/x", Api.ADMIN_KEY, "{}").expectError(405, "METHOD_NOT_ALLOWED");
    }

    @Test
    void minerRequestsThatAreWrongChangeNothing() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.post("/v1/miners/register?miner_id=" + miner, minerKey, "{\"capabilities\":{\"gpus\":\"many\"}}")
                .expectError(422, "VALIDATION_FAILED");
        Api.post("/v1/miners/register?miner_id=" + miner, minerKey, "{\"concurrency\":0}")
                .expectError(422, "VALIDATION_FAILED");
        Api.post("/v1/miners/register?miner_id=bad%20id%2F", minerKey, "{}").expectError(400, "INVALID_PARAMETER");
        Api.post("/v1/miners/register?miner_id=" + miner, minerKey, "{oops").expectError(400, "MALFORMED_JSON");
        Api.register(minerKey, miner, region, 1);
        Api.post("/v1/miners/poll?miner_id=" + miner, minerKey, "{\"max_wait_seconds\":31}")
                .expectError(422, "VALIDATION_FAILED");
        Api.post("/v1/miners/poll?miner_id=" + miner, minerKey, "{\"max_wait_seconds\":\"5\"}")
                .expectError(422, "VALIDATION_FAILED");
        Api.post("/v1/miners/heartbeat?miner_id=" + miner, minerKey, "{\"inflight\":-1}")
                .expectError(422, "VALIDATION_FAILED");

        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, miner, 0));
        String before = Api.get("/v1/jobs/" + job, client).body();
        Api.post("/v1/miners/" + job + "/progress?miner_id=" + miner, minerKey, "{\"progress\":101}")
                .expectError(422, "VALIDATION_FAILED");
        Api.post("/v1/miners/" + job + "/progress?miner_id=" + miner, minerKey, "{\"message\":\"no number\"}")
                .expectError(422, "VALIDATION_FAILED");
        Api.post(
                        "/v1/miners/" + job + "/progress?miner_id=" + miner,
                        minerKey,
                        "{\"progress\":5,\"estimated_completion\":\"tomorrow\"}")
                .expectError(422, "VALIDATION_FAILED");
        Api.post("/v1/miners/" + job + "/result?miner_id=" + miner, minerKey, "{\"result\":{},\"metrics\":3}")
                .expectError(422, "VALIDATION_FAILED");
        Api.post("/v1/miners/" + job + "/fail?miner_id=" + miner, minerKey, "{\"error_code\":7}")
                .expectError(422, "VALIDATION_FAILED");
        Api.call(
                        "POST",
                        "/v1/miners/" + job + "/start?miner_id=" + miner,
                        minerKey,
                        null,
                        Map.of("X-Job-Attempt", "first"))
                .expectError(400, "INVALID_PARAMETER");
        assertEquals(before, Api.get("/v1/jobs/" + job, client).body(), "the job did not change");
        assertEquals(
                1,
                Api.get("/v1/jobs/" + job + "/events", client).array("events").size() - 1,
                "only the assignment was recorded");
    }

    @Test
    void adminInputIsChecked() {
        Api.post("/v1/admin/accounts", Api.ADMIN_KEY, "{\"role\":\"root\"}").expectError(422, "VALIDATION_FAILED");
        Api.post("/v1/admin/accounts", Api.ADMIN_KEY, "{\"role\":\"client\",\"plan\":\"gold\"}")
                .expectError(422, "VALIDATION_FAILED");
        Api.delete("/v1/admin/accounts/nobody", Api.ADMIN_KEY).expectError(404, "ACCOUNT_NOT_FOUND");
        Api.Res created = Api.post("/v1/admin/accounts", Api.ADMIN_KEY, "{\"role\":\"client\"}")
                .expect(201);
        assertEquals("free", created.str("plan"), "a client without a plan is on the free plan");
        assertTrue(created.str("api_key").length() >= 32);
    }
}
