package org.aitbc.coordinator.it.retries;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.aitbc.coordinator.cli.Aitbc;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/** The client's retry of a failed or canceled job: a new job with the same spec, linked both ways. */
public class ManualRetryIT {
    private static Api.Res retry(String client, String job, String key) {
        return Api.call(
                "POST",
                "/v1/jobs/" + job + "/retry",
                client,
                null,
                key == null ? Map.of() : Map.of("Idempotency-Key", key));
    }

    @Test
    void aCanceledJobIsRetriedAsANewJobLinkedBothWaysOnceAndIdempotently() {
        String client = Api.client();
        String region = Api.uniqueRegion();
        String job = Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"input\":\"again\",\"requirements\":{\"gpu_type\":\"a100\",\"region\":\""
                                + region + "\"},\"priority\":\"high\",\"timeout_seconds\":600,\"max_cost\":\"0.50\"}")
                .expect(201)
                .str("job_id");
        retry(client, job, null).expectError(409, "INVALID_STATE");
        Api.delete("/v1/jobs/" + job, client).expect(200);

        JsonObject next = retry(client, job, "retry-1").expect(201).json();
        String nextId = next.getString("job_id");
        assertNotEquals(job, nextId);
        assertEquals(job, next.getString("retry_of"));
        assertEquals("pending", next.getString("status"));
        assertEquals("high", next.getString("priority"));
        assertEquals("gpt2", next.getString("model"));
        assertEquals(
                0,
                new java.math.BigDecimal("0.5")
                        .compareTo(next.getJsonNumber("max_cost").bigDecimalValue()));
        JsonObject old = Api.job(client, job);
        assertEquals(nextId, old.getString("retried_by"));
        assertEquals("canceled", old.getString("status"), "the old job stays as it ended");
        assertEquals(Api.job(client, nextId).getJsonObject("constraints"), old.getJsonObject("constraints"));

        // The same key answers the same retry; another retry of the same job is refused.
        JsonObject repeated = retry(client, job, "retry-1").expect(200).json();
        assertEquals(nextId, repeated.getString("job_id"));
        retry(client, job, "retry-2").expectError(409, "INVALID_STATE");
        retry(client, job, null).expectError(409, "INVALID_STATE");
        // A key used for a submission is another request.
        String submitted = Api.call(
                        "POST",
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"requirements\":{\"region\":\"" + region + "\"}}",
                        Map.of("Idempotency-Key", "sub-1"))
                .expect(201)
                .str("job_id");
        Api.delete("/v1/jobs/" + submitted, client).expect(200);
        Api.delete("/v1/jobs/" + nextId, client).expect(200);
        retry(client, nextId, "sub-1").expectError(422, "IDEMPOTENCY_MISMATCH");
        // A body may be empty or {}; a field in it is refused by name, and nothing is created.
        Api.call("POST", "/v1/jobs/" + nextId + "/retry", client, "{\"model\":\"other\"}", Map.of())
                .expectError(422, "VALIDATION_FAILED");
        assertFalse(Api.job(client, nextId).containsKey("retried_by"));
        retry(client, "job_doesnotexist000000000", null).expectError(404, "JOB_NOT_FOUND");
        retry(Api.client(), nextId, null).expectError(404, "JOB_NOT_FOUND");
    }

    @Test
    void aFailedJobIsRetriedFromTheCliAndTheRetryRuns() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String m = region + "-m";
        Api.register(minerKey, m, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, m, 0));
        Api.post("/v1/miners/" + job + "/fail?miner_id=" + m, minerKey, "{\"error_code\":\"BAD_INPUT\"}")
                .expect(200);
        assertEquals("failed", Api.job(client, job).getString("status"));

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Aitbc.run(
                new String[] {"--json", "client", "retry", "--job-id", job},
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                Map.of(
                        "AITBC_URL",
                        Api.BASE,
                        "AITBC_API_KEY",
                        client,
                        "AITBC_CONFIG",
                        System.getProperty("java.io.tmpdir") + "/aitbc-retry-it-"
                                + ProcessHandle.current().pid()));
        assertEquals(0, code, out.toString(StandardCharsets.UTF_8));
        JsonObject printed;
        try (JsonReader r = Json.createReader(new StringReader(out.toString(StandardCharsets.UTF_8)))) {
            printed = r.readObject();
        }
        String nextId = printed.getString("job_id");
        assertEquals(job, printed.getString("retry_of"));
        assertEquals(nextId, Api.job(client, job).getString("retried_by"));

        assertEquals(
                nextId, Api.poll(minerKey, m, 5), "the retry is an ordinary job: the miner that failed may run it");
        Api.post("/v1/miners/" + nextId + "/result?miner_id=" + m, minerKey, "{\"result\":{\"output\":\"ok\"}}")
                .expect(200);
        JsonObject done = Api.job(client, nextId);
        assertEquals("completed", done.getString("status"));
        assertEquals(1, done.getInt("attempt"));
        assertTrue(Api.get("/v1/jobs/" + nextId + "/events", client).body().contains("retry of " + job));
    }
}
