package org.aitbc.coordinator.it.marketplace;

import static org.aitbc.coordinator.it.support.Api.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import jakarta.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Constraints are honoured or refused, never dropped (issue 13, item 6): the older form's GPU
 * name, {@code cuda} and {@code max_price} decide which miner gets a job, and every constraint the
 * coordinator cannot enforce is refused by name. Each test's miners and jobs share a region of
 * their own, so no other test's job reaches them.
 */
@Order(Schedule.LONG_WAITS)
public class ConstraintsIT {
    private static final List<String> UNENFORCEABLE = List.of(
            "tee_attestation_required",
            "tee_enclave_id",
            "required_enclave_measurement",
            "confidential",
            "zk_proof_required",
            "min_reputation",
            "bond_required",
            "some_future_key");

    private static void register(String key, String minerId, String region, String capabilities) {
        post(
                        "/v1/miners/register?miner_id=" + minerId,
                        key,
                        "{\"capabilities\":" + capabilities + ",\"concurrency\":10,\"region\":\"" + region + "\"}")
                .expect(200);
    }

    private static String legacyJob(String client, String region, String constraints) {
        return post(
                        "/v1/jobs",
                        client,
                        "{\"payload\":{\"type\":\"inference\",\"model\":\"llama3.2:3b\",\"prompt\":\"hi\"},"
                                + "\"constraints\":{\"region\":\"" + region + "\"" + constraints + "},"
                                + "\"ttl_seconds\":900}")
                .expect(201)
                .str("job_id");
    }

    /** Polls a few times; the miner must never get {@code jobId}. */
    private static void neverGets(String key, String minerId, String jobId) {
        for (int i = 0; i < 3; i++) {
            String got = Api.poll(key, minerId, 1);
            assertNotEquals(jobId, got, minerId + " must not get " + jobId);
        }
    }

    @Test
    void gpuNameGoesToTheMinerWithThatGpuAndNeverTheOther() {
        String client = Api.client();
        String key = Api.miner();
        String region = Api.uniqueRegion();
        String ti = "ti-" + region;
        String big = "big-" + region;
        register(
                key,
                ti,
                region,
                "{\"gpus\":[{\"name\":\"NVIDIA GeForce RTX 4060 Ti\",\"memory_mb\":16380}],\"cuda\":\"12.4\"}");
        register(key, big, region, "{\"gpus\":[{\"name\":\"NVIDIA GeForce RTX 4090\",\"memory_mb\":24564}]}");
        String job = legacyJob(client, region, ",\"gpu\":\"RTX 4060 Ti\"");
        JsonObject view = Api.job(client, job);
        assertEquals("RTX 4060 Ti", view.getJsonObject("constraints").getString("gpu"), "the view shows the match");

        neverGets(key, big, job);
        assertEquals(job, Api.poll(key, ti, 5));
        assertEquals(ti, Api.job(client, job).getString("miner_id"));

        // Case, spaces and the brand words do not matter; the model does.
        String second = legacyJob(client, region, ",\"gpu\":\"geforce rtx4090\"");
        neverGets(key, ti, second);
        assertEquals(second, Api.poll(key, big, 5), "the RTX 4090 miner gets the RTX 4090 job");
    }

    @Test
    void gpuNamePricedAtTheKnownTypeItContainsElseTheDefaultRate() {
        String client = Api.client();
        String region = Api.uniqueRegion();
        BigDecimal named = new BigDecimal(Api.job(client, legacyJob(client, region, ",\"gpu\":\"RTX 3090 Ti\""))
                .getJsonNumber("estimated_cost")
                .toString());
        BigDecimal typed = new BigDecimal(Api.job(client, legacyJob(client, region, ",\"gpu\":\"rtx3090\""))
                .getJsonNumber("estimated_cost")
                .toString());
        BigDecimal unknown = new BigDecimal(Api.job(client, legacyJob(client, region, ",\"gpu\":\"RTX 4060 Ti\""))
                .getJsonNumber("estimated_cost")
                .toString());
        BigDecimal none = new BigDecimal(Api.job(client, legacyJob(client, region, ""))
                .getJsonNumber("estimated_cost")
                .toString());
        assertEquals(0, typed.compareTo(named), "RTX 3090 Ti costs the rtx3090 rate");
        assertEquals(0, none.compareTo(unknown), "an unknown GPU costs the default rate");
        // The newer form keeps its closed list of types.
        post("/v1/jobs", client, "{\"model\":\"gpt2\",\"requirements\":{\"gpu_type\":\"RTX 4060 Ti\"}}")
                .expectError(422, "VALIDATION_FAILED");
    }

    @Test
    void cudaIsAMinimumComparedAsAVersion() {
        String client = Api.client();
        String key = Api.miner();
        String region = Api.uniqueRegion();
        String newer = "cuda124-" + region;
        String older = "cuda118-" + region;
        register(key, newer, region, "{\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}],\"cuda\":\"12.4\"}");
        register(key, older, region, "{\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}],\"cuda\":\"11.8\"}");

        String job = legacyJob(client, region, ",\"cuda\":\"12.1\"");
        neverGets(key, older, job);
        assertEquals(job, Api.poll(key, newer, 5));

        // 12.10 is newer than 12.4 (as text it would sort before it): no miner here has it.
        String tooNew = post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"requirements\":{\"region\":\"" + region + "\",\"cuda\":\"12.10\"}}")
                .expect(201)
                .str("job_id");
        assertEquals(
                "12.10", Api.job(client, tooNew).getJsonObject("constraints").getString("cuda"));
        neverGets(key, newer, tooNew);
        neverGets(key, older, tooNew);
        assertEquals("pending", Api.job(client, tooNew).getString("status"));

        post("/v1/jobs", client, "{\"model\":\"gpt2\",\"requirements\":{\"cuda\":\"twelve\"}}")
                .expectError(422, "VALIDATION_FAILED");
    }

    @Test
    void maxPriceExcludesDearerMinersAndMinersWithoutAPrice() {
        String client = Api.client();
        String key = Api.miner();
        String region = Api.uniqueRegion();
        String cheap = "cheap-" + region;
        String dear = "dear-" + region;
        String silent = "silent-" + region;
        String gpus = "\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}]";
        register(key, cheap, region, "{" + gpus + ",\"price\":0.01}");
        register(key, dear, region, "{" + gpus + ",\"price\":0.05}");
        register(key, silent, region, "{" + gpus + "}");

        String job = legacyJob(client, region, ",\"max_price\":0.02");
        assertEquals(
                0,
                new BigDecimal("0.02")
                        .compareTo(Api.job(client, job)
                                .getJsonObject("constraints")
                                .getJsonNumber("max_price")
                                .bigDecimalValue()));
        neverGets(key, dear, job);
        neverGets(key, silent, job);
        assertEquals(job, Api.poll(key, cheap, 5));

        String current = post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"requirements\":{\"region\":\"" + region + "\",\"max_price\":0.05}}")
                .expect(201)
                .str("job_id");
        neverGets(key, silent, current);
        assertEquals(current, Api.poll(key, dear, 5), "a price equal to max_price is within it");
    }

    @Test
    void everyUnenforceableConstraintIsRefusedByName() {
        String client = Api.client();
        for (String k : UNENFORCEABLE) {
            for (boolean legacy : new boolean[] {true, false}) {
                String body = legacy
                        ? "{\"payload\":{\"type\":\"inference\",\"model\":\"m\"},\"constraints\":{\"gpu\":\"a100\",\""
                                + k + "\":true}}"
                        : "{\"model\":\"gpt2\",\"requirements\":{\"gpu_type\":\"a100\",\"" + k + "\":true}}";
                JsonObject error = post("/v1/jobs", client, body)
                        .expectError(422, "UNSUPPORTED_CONSTRAINT")
                        .json()
                        .getJsonObject("error");
                String field = (legacy ? "constraints." : "requirements.") + k;
                assertEquals(
                        field, error.getJsonArray("fields").getJsonObject(0).getString("field"));
                org.junit.jupiter.api.Assertions.assertTrue(
                        error.getString("message").contains(field), error::toString);
            }
        }
        // The marketplace's exact body with several at once: each is named.
        JsonObject error = post(
                        "/v1/jobs",
                        client,
                        "{\"payload\":{\"type\":\"inference\",\"model\":\"llama3.2:3b\",\"prompt\":\"hi\"},"
                                + "\"constraints\":{\"gpu\":\"RTX 4060 Ti\",\"tee_attestation_required\":true,"
                                + "\"confidential\":true,\"max_price\":0.02}}")
                .expectError(422, "UNSUPPORTED_CONSTRAINT")
                .json()
                .getJsonObject("error");
        assertEquals(2, error.getJsonArray("fields").size());
        // Nothing was created by any of them.
        assertEquals(0, Api.get("/v1/jobs", client).expect(200).json().getInt("total"));
    }
}
