package org.aitbc.coordinator.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.time.Duration;
import java.util.List;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * Webhooks end to end: registration and its refusals, signed deliveries of every event in order,
 * a receiver that is down or answers 500, redelivery, removal, {@code callback_url}, and that no
 * client is told of another's jobs.
 */
public class WebhooksIT {
    private static final String ALL_EVENTS =
            "[\"job.completed\", \"job.failed\", \"job.canceled\", \"job.status\", \"job.progress\"]";

    /** A client, a miner of its own region, and a job it can run to the end. */
    static final class Setup {
        final String client = Api.client();
        final String minerKey = Api.miner();
        final String region = Api.uniqueRegion();
        final String miner = region + "-m";

        Setup() {
            Api.register(minerKey, miner, region, 4);
        }

        /** Submits a job and runs it: claim, start, two progress reports, result. Returns its id. */
        String runJob() {
            String job = Api.submit(client, region);
            return finish(job);
        }

        String finish(String job) {
            assertEquals(job, Api.poll(minerKey, miner, 5));
            Api.post("/v1/miners/" + job + "/start?miner_id=" + miner, minerKey, null)
                    .expect(200);
            Api.post("/v1/miners/" + job + "/progress?miner_id=" + miner, minerKey, "{\"progress\":40}")
                    .expect(200);
            Api.post("/v1/miners/" + job + "/progress?miner_id=" + miner, minerKey, "{\"progress\":80}")
                    .expect(200);
            Api.post("/v1/miners/" + job + "/result?miner_id=" + miner, minerKey, "{\"result\":{\"output\":\"ok\"}}")
                    .expect(200);
            return job;
        }

        /** The job's event ids as GET /v1/jobs/{id}/events lists them. */
        List<Long> eventIds(String job) {
            return Api.get("/v1/jobs/" + job + "/events", client).array("events").stream()
                    .map(v -> v.asJsonObject().getJsonNumber("event_id").longValue())
                    .toList();
        }

        /** Registers a webhook on the receiver with the body and tells the receiver its secret. */
        JsonObject hook(Receiver r, String events, String jobId) {
            String body = "{\"url\": \"" + r.url() + "\", \"events\": " + events
                    + (jobId == null ? "" : ", \"job_id\": \"" + jobId + "\"") + "}";
            JsonObject w = Api.post("/v1/webhooks", client, body).expect(201).json();
            r.secret(w.getString("webhook_id"), w.getString("secret"));
            return w;
        }
    }

    @Test
    void refusedUrlsAndUnknownEventsAre422AndCreateNothing() {
        String client = Api.client();
        for (String url : new String[] {
            "https://10.0.0.1/hook",
            "https://169.254.169.254/latest/meta-data/",
            "https://192.168.0.10/hook",
            "https://[::1]/hook",
            "https://localhost/hook",
            "http://93.184.216.34/hook",
            "ftp://127.0.0.1/hook",
            "not a url"
        }) {
            JsonObject error = Api.post(
                            "/v1/webhooks", client, "{\"url\": \"" + url + "\", \"events\": [\"job.completed\"]}")
                    .expectError(422, "VALIDATION_FAILED")
                    .json()
                    .getJsonObject("error");
            assertEquals("url", field(error), url);
        }
        assertEquals(
                "events",
                field(Api.post(
                                "/v1/webhooks",
                                client,
                                "{\"url\": \"https://93.184.216.34/\", \"events\": [\"job.done\"]}")
                        .expectError(422, "VALIDATION_FAILED")
                        .json()
                        .getJsonObject("error")));
        assertEquals(
                "events",
                field(Api.post("/v1/webhooks", client, "{\"url\": \"https://93.184.216.34/\", \"events\": []}")
                        .expectError(422, "VALIDATION_FAILED")
                        .json()
                        .getJsonObject("error")));
        assertEquals(
                "secret",
                field(Api.post(
                                "/v1/webhooks",
                                client,
                                "{\"url\": \"https://93.184.216.34/\", \"events\": [\"job.completed\"], \"secret\": \"x\"}")
                        .expectError(422, "VALIDATION_FAILED")
                        .json()
                        .getJsonObject("error")));
        // callback_url follows the same rules, and a refused one creates no job.
        assertEquals(
                "callback_url",
                field(Api.post(
                                "/v1/jobs",
                                client,
                                "{\"model\":\"gpt2\",\"input\":\"hi\",\"callback_url\":\"https://169.254.169.254/x\"}")
                        .expectError(422, "VALIDATION_FAILED")
                        .json()
                        .getJsonObject("error")));
        assertEquals(
                0, Api.get("/v1/webhooks", client).expect(200).array("webhooks").size());
        assertEquals(0, Api.get("/v1/jobs", client).expect(200).json().getInt("total"));
    }

    private static String field(JsonObject error) {
        return error.getJsonArray("fields").getJsonObject(0).getString("field");
    }

    @Test
    void everyEventArrivesSignedAndInOrder() throws Exception {
        Setup s = new Setup();
        try (Receiver r = new Receiver()) {
            JsonObject w = s.hook(r, ALL_EVENTS, null);
            assertTrue(w.getString("secret").startsWith("whsec_"));
            assertTrue(w.isNull("job_id"));
            String job = s.runJob();
            List<Long> ids = s.eventIds(job);
            List<Receiver.Got> got =
                    r.await(g -> Receiver.delivered(g, job).size() == ids.size(), Duration.ofSeconds(30));
            r.assertAllSigned();
            assertEquals(ids, Receiver.delivered(got, job), "every event, once, in the order of its id");
            for (Receiver.Got g : got) {
                assertEquals(w.getString("webhook_id"), g.body().getString("webhook_id"));
            }
            Receiver.Got last = got.get(got.size() - 1);
            assertEquals("completed", last.body().getString("status"));
            assertEquals("job.completed", last.body().getString("event"));
            // The event as the feed sends it: the same fields as GET /events, plus webhook_id and event.
            JsonObject listed = Api.get("/v1/jobs/" + job + "/events", s.client)
                    .array("events")
                    .getJsonObject(ids.size() - 1);
            for (String key : listed.keySet()) {
                assertEquals(listed.get(key), last.body().get(key), key);
            }
            assertEquals(
                    "job.progress",
                    got.get(2).body().getString("event").equals("job.progress")
                            ? "job.progress"
                            : got.stream()
                                    .filter(g -> "progress".equals(g.body().getString("type")))
                                    .findFirst()
                                    .orElseThrow()
                                    .body()
                                    .getString("event"));
            // The secret is never shown again.
            JsonObject again = Api.get("/v1/webhooks/" + w.getString("webhook_id"), s.client)
                    .expect(200)
                    .json();
            assertTrue(again.isNull("secret"));
            assertFalse(Api.get("/v1/webhooks", s.client).body().contains(w.getString("secret")));
            // Deliveries: each once, answered 200 on the first attempt. The receiver may have
            // answered the last one a moment before the server recorded that answer: wait for it.
            String path = "/v1/webhooks/" + w.getString("webhook_id") + "/deliveries";
            JsonArray ds = Api.get(path, s.client).expect(200).array("deliveries");
            for (long until = System.currentTimeMillis() + 10_000;
                    System.currentTimeMillis() < until
                            && ds.stream()
                                    .anyMatch(v ->
                                            v.asJsonObject().getString("status").equals("pending")); ) {
                Api.sleep(200);
                ds = Api.get(path, s.client).expect(200).array("deliveries");
            }
            assertEquals(ids.size(), ds.size());
            for (JsonValue v : ds) {
                JsonObject d = v.asJsonObject();
                assertEquals("delivered", d.getString("status"));
                assertEquals(1, d.getInt("attempt_count"));
                assertEquals(200, d.getJsonArray("attempts").getJsonObject(0).getInt("status_code"));
            }
        }
    }

    @Test
    void aReceiverThatIsDownGetsEverythingOnceItIsBack() throws Exception {
        Setup s = new Setup();
        try (Receiver r = new Receiver()) {
            JsonObject w = s.hook(r, ALL_EVENTS, null);
            r.down();
            String job = s.runJob();
            List<Long> ids = s.eventIds(job);
            // Let the sender fail at least once while nobody listens.
            String deliveries = "/v1/webhooks/" + w.getString("webhook_id") + "/deliveries";
            long until = System.currentTimeMillis() + 20_000;
            while (Api.get(deliveries, s.client).array("deliveries").stream()
                    .noneMatch(d -> d.asJsonObject().getInt("attempt_count") > 0)) {
                assertTrue(System.currentTimeMillis() < until, "no attempt was made while the receiver was down");
                Api.sleep(200);
            }
            JsonObject failed = Api.get(deliveries, s.client).array("deliveries").stream()
                    .map(JsonValue::asJsonObject)
                    .filter(d -> d.getInt("attempt_count") > 0)
                    .findFirst()
                    .orElseThrow();
            assertEquals("pending", failed.getString("status"));
            assertTrue(failed.getJsonArray("attempts").getJsonObject(0).isNull("status_code"));
            assertFalse(failed.isNull("next_attempt_at"));
            r.up();
            List<Receiver.Got> got =
                    r.await(g -> Receiver.delivered(g, job).size() == ids.size(), Duration.ofSeconds(60));
            r.assertAllSigned();
            assertEquals(ids, Receiver.delivered(got, job), "no gap, in order");
        }
    }

    @Test
    void aReceiverAnswering500IsRetriedWithGrowingDelays() throws Exception {
        Setup s = new Setup();
        try (Receiver r = new Receiver()) {
            JsonObject w = s.hook(r, "[\"job.completed\"]", null);
            r.failNext(3);
            String job = s.runJob();
            List<Receiver.Got> got = r.await(g -> !Receiver.delivered(g, job).isEmpty(), Duration.ofSeconds(60));
            r.assertAllSigned();
            List<Receiver.Got> tries =
                    got.stream().filter(g -> g.jobId().equals(job)).toList();
            assertEquals(4, tries.size(), "three 500s, then the 200");
            assertEquals(
                    List.of(500, 500, 500, 200),
                    tries.stream().map(Receiver.Got::answered).toList());
            long first = tries.get(1).atMs() - tries.get(0).atMs();
            long second = tries.get(2).atMs() - tries.get(1).atMs();
            long third = tries.get(3).atMs() - tries.get(2).atMs();
            // Base 1 s on the test server: about 1 s, 2 s, 4 s.
            assertTrue(first >= 900, "first wait " + first);
            assertTrue(second > first + 500, "waits grow: " + first + ", " + second);
            assertTrue(third > second + 1000, "waits grow: " + second + ", " + third);
            assertEquals(1, tries.stream().map(Receiver.Got::eventId).distinct().count(), "one event, retried");
            String path = "/v1/webhooks/" + w.getString("webhook_id") + "/deliveries";
            JsonObject d = Api.get(path, s.client).array("deliveries").getJsonObject(0);
            for (long until = System.currentTimeMillis() + 10_000;
                    System.currentTimeMillis() < until && d.getString("status").equals("pending"); ) {
                Api.sleep(200);
                d = Api.get(path, s.client).array("deliveries").getJsonObject(0);
            }
            assertEquals("delivered", d.getString("status"));
            assertEquals(4, d.getInt("attempt_count"));
            assertEquals(
                    List.of(500, 500, 500, 200),
                    d.getJsonArray("attempts").stream()
                            .map(a -> a.asJsonObject().getInt("status_code"))
                            .toList());
        }
    }

    @Test
    void aClientNeverReceivesAnotherClientsEvents() throws Exception {
        Setup a = new Setup();
        Setup b = new Setup();
        try (Receiver ra = new Receiver();
                Receiver rb = new Receiver()) {
            JsonObject wa = a.hook(ra, ALL_EVENTS, null);
            b.hook(rb, ALL_EVENTS, null);
            String jobA = a.runJob();
            String jobB = b.runJob();
            ra.await(g -> Receiver.delivered(g, jobA).size() == a.eventIds(jobA).size(), Duration.ofSeconds(30));
            rb.await(g -> Receiver.delivered(g, jobB).size() == b.eventIds(jobB).size(), Duration.ofSeconds(30));
            Api.sleep(1000);
            assertTrue(ra.received().stream().allMatch(g -> g.jobId().equals(jobA)), "A hears only of A's job");
            assertTrue(rb.received().stream().allMatch(g -> g.jobId().equals(jobB)), "B hears only of B's job");
            ra.assertAllSigned();
            rb.assertAllSigned();
            // A's webhook does not exist for B; B cannot follow A's job either.
            String id = wa.getString("webhook_id");
            Api.get("/v1/webhooks/" + id, b.client).expectError(404, "WEBHOOK_NOT_FOUND");
            Api.get("/v1/webhooks/" + id + "/deliveries", b.client).expectError(404, "WEBHOOK_NOT_FOUND");
            Api.delete("/v1/webhooks/" + id, b.client).expectError(404, "WEBHOOK_NOT_FOUND");
            Api.post("/v1/webhooks/" + id + "/deliveries/1/redeliver", b.client, null)
                    .expectError(404, "WEBHOOK_NOT_FOUND");
            assertTrue(Api.get("/v1/webhooks", b.client).array("webhooks").stream()
                    .noneMatch(v -> v.asJsonObject().getString("webhook_id").equals(id)));
            Api.post(
                            "/v1/webhooks",
                            b.client,
                            "{\"url\": \"" + rb.url() + "\", \"events\": [\"job.status\"], \"job_id\": \"" + jobA
                                    + "\"}")
                    .expectError(404, "JOB_NOT_FOUND");
            Api.get("/v1/webhooks/" + id, a.client).expect(200);
        }
    }

    @Test
    void aCallbackUrlIsAOneJobWebhookToldOfTheEnd() throws Exception {
        Setup s = new Setup();
        try (Receiver r = new Receiver()) {
            JsonObject created = Api.post(
                            "/v1/jobs",
                            s.client,
                            "{\"model\":\"gpt2\",\"input\":\"hi\",\"requirements\":{\"region\":\"" + s.region
                                    + "\"},\"callback_url\":\"" + r.url() + "\"}")
                    .expect(201)
                    .json();
            String job = created.getString("job_id");
            // The answer carries the one-job webhook and its secret, shown only here.
            JsonObject hook = created.getJsonObject("webhook");
            assertEquals(job, hook.getString("job_id"));
            assertTrue(hook.getString("secret").startsWith("whsec_"));
            r.secret(hook.getString("webhook_id"), hook.getString("secret"));
            JsonObject w = Api.get("/v1/webhooks", s.client).array("webhooks").getJsonObject(0);
            assertEquals(hook.getString("webhook_id"), w.getString("webhook_id"));
            assertEquals(
                    List.of("job.completed", "job.failed", "job.canceled"),
                    w.getJsonArray("events").getValuesAs(jakarta.json.JsonString::getString));
            assertTrue(w.isNull("secret"));
            s.finish(job);
            String other = s.runJob();
            r.await(g -> Receiver.delivered(g, job).size() == 1, Duration.ofSeconds(30));
            Api.sleep(1000);
            List<Receiver.Got> got = r.received();
            r.assertAllSigned();
            assertEquals(1, got.size(), "one delivery: the job's end");
            assertEquals("job.completed", got.get(0).body().getString("event"));
            assertEquals(job, got.get(0).jobId());
            assertFalse(got.stream().anyMatch(g -> g.jobId().equals(other)));
        }
    }

    @Test
    void aDeliveryCanBeSentAgainAndARemovedWebhookGetsNothing() throws Exception {
        Setup s = new Setup();
        try (Receiver r = new Receiver()) {
            JsonObject w = s.hook(r, "[\"job.completed\"]", null);
            String id = w.getString("webhook_id");
            String job = s.runJob();
            r.await(g -> Receiver.delivered(g, job).size() == 1, Duration.ofSeconds(30));
            JsonObject d = Api.get("/v1/webhooks/" + id + "/deliveries", s.client)
                    .array("deliveries")
                    .getJsonObject(0);
            JsonObject again = Api.post(
                            "/v1/webhooks/" + id + "/deliveries/" + d.getJsonNumber("delivery_id") + "/redeliver",
                            s.client,
                            null)
                    .expect(202)
                    .json();
            assertEquals(
                    d.getJsonNumber("delivery_id").longValue(),
                    again.getJsonNumber("redelivery_of").longValue());
            List<Receiver.Got> got =
                    r.await(g -> g.stream().filter(x -> x.answered() == 200).count() == 2, Duration.ofSeconds(30));
            r.assertAllSigned();
            assertEquals(got.get(0).eventId(), got.get(1).eventId(), "the same event, once more");
            Api.post("/v1/webhooks/" + id + "/deliveries/999999999/redeliver", s.client, null)
                    .expectError(404, "DELIVERY_NOT_FOUND");
            Api.post("/v1/webhooks/" + id + "/deliveries/nope/redeliver", s.client, null)
                    .expectError(404, "DELIVERY_NOT_FOUND");
            Api.get("/v1/webhooks/" + id + "/deliveries?limit=0", s.client).expectError(400, "INVALID_PARAMETER");

            JsonObject removed =
                    Api.delete("/v1/webhooks/" + id, s.client).expect(200).json();
            assertEquals(id, removed.getString("webhook_id"));
            assertTrue(removed.isNull("secret"));
            Api.get("/v1/webhooks/" + id, s.client).expectError(404, "WEBHOOK_NOT_FOUND");
            s.runJob();
            Api.sleep(2000);
            assertEquals(2, r.received().size(), "nothing more after removal");
        }
    }
}
