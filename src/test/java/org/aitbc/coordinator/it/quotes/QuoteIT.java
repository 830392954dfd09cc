package org.aitbc.coordinator.it.quotes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/** POST /v1/jobs/quote against the real server, with miners registered for the test. */
public class QuoteIT {
    /** Registers a miner with one GPU of {@code gb} GB in {@code region}. */
    static void miner(String key, String id, String region, int gb) {
        Api.post(
                        "/v1/miners/register?miner_id=" + id,
                        key,
                        "{\"capabilities\":{\"gpus\":[{\"name\":\"NVIDIA GeForce RTX 40" + gb + "\",\"memory_mb\":"
                                + gb * 1024 + "}],\"models\":[]},\"concurrency\":1,\"region\":\"" + region + "\"}")
                .expect(200);
    }

    static long jobsOf(String client) {
        return Api.get("/v1/jobs", client)
                .expect(200)
                .json()
                .getJsonNumber("total")
                .longValue();
    }

    @Test
    void withMinersOf16And24GbOnlineA80GbRequestMatchesNoneAndNamesMinVramGb() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        miner(minerKey, region + "-16", region, 16);
        miner(minerKey, region + "-24", region, 24);
        try (AutoCloseable beats = Api.keepAlive(minerKey, List.of(region + "-16", region + "-24"))) {
            String body = "{\"model\":\"gpt2\",\"input\":\"Hello\",\"requirements\":{\"min_vram_gb\":80,\"region\":\""
                    + region + "\"},\"priority\":\"normal\",\"timeout_seconds\":600}";
            JsonObject q = Api.post("/v1/jobs/quote", client, body).expect(200).json();
            assertEquals(0, q.getJsonNumber("matching_miners").longValue(), q.toString());
            assertEquals(0, q.getJsonNumber("matching_online").longValue(), q.toString());
            assertTrue(q.getJsonNumber("online_miners").longValue() >= 2, q.toString());
            JsonObject vram = q.getJsonArray("ruled_out_by").stream()
                    .map(JsonValue::asJsonObject)
                    .filter(r -> r.getString("field").equals("min_vram_gb"))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("min_vram_gb named: " + q));
            String why = vram.getString("message");
            assertTrue(why.contains("min_vram_gb ≥ 80") && why.contains("the largest has 24"), why);
            assertEquals(JsonValue.NULL, q.get("expected_queue_wait_seconds"));
            assertTrue(
                    q.getJsonObject("queue_wait").getString("basis").contains("no online miner matches"), q.toString());
            // The price is there even when nobody can run it; nothing was created.
            assertTrue(q.getJsonNumber("estimated_cost").bigDecimalValue().signum() > 0);
            assertEquals(0, jobsOf(client));
        }
    }

    @Test
    void aMatchingJobIsQuotedAsItWouldBeSubmittedAndNothingIsCreated() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        miner(minerKey, region + "-16", region, 16);
        miner(minerKey, region + "-24", region, 24);
        try (AutoCloseable beats = Api.keepAlive(minerKey, List.of(region + "-16", region + "-24"))) {
            String body =
                    "{\"model\":\"gpt2\",\"input\":\"Hello\",\"requirements\":{\"gpu_type\":\"a100\",\"min_vram_gb\":"
                            + "16,\"region\":\"" + region + "\"},\"priority\":\"high\",\"timeout_seconds\":600}";
            // An a100 is asked for: the RTX miners are ruled out by gpu_type, naming what they have.
            JsonObject typed =
                    Api.post("/v1/jobs/quote", client, body).expect(200).json();
            assertEquals(0, typed.getJsonNumber("matching_online").longValue());
            assertTrue(
                    typed.getJsonArray("ruled_out_by").stream()
                            .map(JsonValue::asJsonObject)
                            .anyMatch(r -> r.getString("field").equals("gpu_type")
                                    && r.getString("message").contains("rtx")),
                    typed.toString());

            String matching = body.replace("\"gpu_type\":\"a100\",", "");
            JsonObject q = Api.call("POST", "/v1/jobs/quote", client, matching, Map.of("Idempotency-Key", "q-1"))
                    .expect(200)
                    .json();
            assertEquals(2, q.getJsonNumber("matching_miners").longValue(), q.toString());
            assertEquals(2, q.getJsonNumber("matching_online").longValue(), q.toString());
            assertTrue(q.getJsonArray("ruled_out_by").isEmpty(), q.toString());
            assertFalse(q.getJsonObject("queue_wait").getString("basis").isBlank());
            assertEquals(0, jobsOf(client), "a quote creates no job, with or without an Idempotency-Key");

            // A submission of the same body states the same estimate.
            JsonObject job = Api.call("POST", "/v1/jobs", client, matching, Map.of("Idempotency-Key", "q-1"))
                    .expect(201)
                    .json();
            assertEquals(
                    job.getJsonNumber("estimated_cost").bigDecimalValue(),
                    q.getJsonNumber("estimated_cost").bigDecimalValue());
            assertEquals(
                    job.getJsonNumber("estimated_time_seconds").longValue(),
                    q.getJsonNumber("estimated_time_seconds").longValue());
            // The miner claims it after a moment: the next quote's wait comes from that claim among others.
            Api.sleep(1200);
            assertEquals(job.getString("job_id"), Api.poll(minerKey, region + "-24", 2));
            JsonObject after =
                    Api.post("/v1/jobs/quote", client, matching).expect(200).json();
            assertTrue(after.getJsonObject("queue_wait").getInt("samples") >= 1, after.toString());
            assertNotNull(after.getJsonNumber("expected_queue_wait_seconds"), after.toString());
            assertTrue(
                    after.getJsonObject("queue_wait").getString("basis").contains("priority high"), after.toString());
            assertEquals(1, jobsOf(client));
        }
    }

    @Test
    void theQuoteValidatesExactlyAsASubmissionAndItsPathIsNoJobId() {
        String client = Api.client();
        String bad = "{\"model\":\"\",\"input\":\"x\",\"requirements\":{\"min_vram_gb\":\"lots\",\"gpu_type\":\"tpu\"},"
                + "\"priority\":\"asap\"}";
        Api.Res quote = Api.post("/v1/jobs/quote", client, bad).expectError(422, "VALIDATION_FAILED");
        Api.Res submit = Api.post("/v1/jobs", client, bad).expectError(422, "VALIDATION_FAILED");
        assertEquals(fields(submit), fields(quote));
        assertTrue(fields(quote).contains("requirements.min_vram_gb"), quote.body());
        Api.post("/v1/jobs/quote", client, "{\"model\":\"gpt2\",\"input\":\"x\",\"requirements\":{\"tee\":true}}")
                .expectError(422, "UNSUPPORTED_CONSTRAINT");
        Api.post("/v1/jobs/quote", client, "[1]").expectError(400, "MALFORMED_JSON");
        Api.post(
                        "/v1/jobs/quote",
                        client,
                        "{\"model\":\"gpt2\",\"input\":{\"file_id\":\"file_doesnotexist000000000\"}}")
                .expectError(404, "FILE_NOT_FOUND");
        Api.post("/v1/jobs/quote", Api.miner(), "{\"model\":\"gpt2\"}").expectError(403, "FORBIDDEN");
        Api.post("/v1/jobs/quote", null, "{\"model\":\"gpt2\"}").expectError(401, "UNAUTHENTICATED");
        // GET on the quote's path is not a job lookup, and the job routes beside it are untouched.
        Api.Res get = Api.get("/v1/jobs/quote", client);
        assertNotEquals(200, get.status());
        assertEquals(405, get.status(), get.body());
        assertNotNull(get.json().getJsonObject("error"), get.body());
        String job = Api.submit(client, Api.uniqueRegion());
        Api.get("/v1/jobs/" + job, client).expect(200);
        Api.post("/v1/jobs/" + job + "/cancel", client, null).expect(200);
        assertEquals(0, jobsOf(Api.client()));
    }

    static Set<String> fields(Api.Res r) {
        return r.json().getJsonObject("error").getJsonArray("fields").stream()
                .map(v -> v.asJsonObject().getString("field"))
                .collect(Collectors.toSet());
    }
}
