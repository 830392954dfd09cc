package org.aitbc.coordinator.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * A revoked account's webhooks stop: what they still owed is recorded as {@code not_sent} with
 * the reason (an operator reads it with an admin key; the client's own key no longer works),
 * events of its jobs after the revocation are not sent either, and another client's webhook on
 * the same receiver goes on being served.
 */
class WebhookRevocationIT {
    private static List<JsonObject> deliveries(String key, String webhookId) {
        return Api.get("/v1/webhooks/" + webhookId + "/deliveries?limit=500", key)
                .expect(200)
                .array("deliveries")
                .stream()
                .map(v -> v.asJsonObject())
                .toList();
    }

    private static void finish(String minerKey, String miner, String job) {
        assertEquals(job, Api.poll(minerKey, miner, 5));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + miner, minerKey, null)
                .expect(200);
        Api.post("/v1/miners/" + job + "/result?miner_id=" + miner, minerKey, "{\"result\":{\"output\":\"ok\"}}")
                .expect(200);
    }

    @Test
    void aRevokedAccountsWebhooksSendNothingAndSayWhy() throws Exception {
        JsonObject account = Api.post(
                        "/v1/admin/accounts",
                        Api.ADMIN_KEY,
                        "{\"role\":\"client\",\"plan\":\"pro\",\"name\":\"it-revoked\"}")
                .expect(201)
                .json();
        String accountId = account.getString("id");
        String client = account.getString("api_key");
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, 4);
        WebhooksIT.Setup other = new WebhooksIT.Setup();
        try (Receiver r = new Receiver()) {
            JsonObject w = Api.post(
                            "/v1/webhooks",
                            client,
                            "{\"url\": \"" + r.url() + "\", \"events\": [\"job.completed\", \"job.status\"]}")
                    .expect(201)
                    .json();
            String hook = w.getString("webhook_id");
            r.secret(hook, w.getString("secret"));
            String otherHook = other.hook(r, "[\"job.completed\"]", null).getString("webhook_id");
            r.down();
            // A job that ends while the receiver is down: its deliveries are pending, tried and retried.
            String before = Api.submit(client, region);
            finish(minerKey, miner, before);
            // A job submitted before the revocation whose events come after it.
            String after = Api.submit(client, region);
            long until = System.currentTimeMillis() + 20_000;
            while (deliveries(client, hook).stream().noneMatch(d -> d.getInt("attempt_count") > 0)) {
                assertTrue(System.currentTimeMillis() < until, "no attempt while the receiver was down");
                Api.sleep(200);
            }
            int owed = deliveries(client, hook).size();
            assertTrue(owed >= 2, "pending deliveries before the revocation: " + owed);

            JsonObject revoked = Api.delete("/v1/admin/accounts/" + accountId, Api.ADMIN_KEY)
                    .expect(200)
                    .json();
            assertFalse(revoked.isNull("revoked_at"));
            Api.get("/v1/webhooks/" + hook + "/deliveries", client).expectError(401, "UNAUTHENTICATED");

            // The revocation itself ended every pending delivery, each saying why.
            List<JsonObject> ended = deliveries(Api.ADMIN_KEY, hook);
            assertEquals(owed, ended.size());
            for (JsonObject d : ended) {
                assertEquals("not_sent", d.getString("status"), d.toString());
                assertTrue(
                        d.getString("reason").contains("revoked")
                                && d.getString("reason").contains(accountId),
                        d.toString());
                assertFalse(d.isNull("ended_at"), d.toString());
                assertTrue(d.isNull("next_attempt_at"), d.toString());
            }

            // Events after the revocation: recorded, never sent.
            finish(minerKey, miner, after);
            r.up();
            String otherJob = other.runJob();
            List<Receiver.Got> got =
                    r.await(g -> !Receiver.delivered(g, otherJob).isEmpty(), Duration.ofSeconds(60));
            long deadline = System.currentTimeMillis() + 30_000;
            List<JsonObject> all;
            while (true) {
                all = deliveries(Api.ADMIN_KEY, hook);
                boolean settled = all.size() > owed
                        && all.stream().noneMatch(d -> d.getString("status").equals("pending"));
                if (settled) {
                    break;
                }
                assertTrue(System.currentTimeMillis() < deadline, "deliveries after the revocation: " + all);
                Api.sleep(200);
            }
            assertTrue(all.stream().anyMatch(d -> d.getString("job_id").equals(after)), all.toString());
            for (JsonObject d : all) {
                assertEquals("not_sent", d.getString("status"), d.toString());
                assertTrue(d.getString("reason").contains("revoked"), d.toString());
            }
            // Past the longest retry delay of the test server (4 s): still nothing for the revoked account.
            Api.sleep(5_000);
            got = r.await(g -> true, Duration.ofSeconds(1));
            assertTrue(
                    got.stream().noneMatch(g -> hook.equals(g.webhookId()) && g.answered() == 200),
                    "a revoked account's webhook was sent to: " + got);
            assertEquals(1, Receiver.delivered(got, otherJob).size(), "the other client's webhook is served");
            r.assertAllSigned();
            // An operator reads the webhook itself too; a client of another account does not.
            assertEquals(
                    hook,
                    Api.get("/v1/webhooks/" + hook, Api.ADMIN_KEY).expect(200).str("webhook_id"));
            Api.get("/v1/webhooks/" + hook + "/deliveries", other.client).expectError(404, "WEBHOOK_NOT_FOUND");
            assertEquals(
                    otherHook,
                    Api.get("/v1/webhooks/" + otherHook, other.client)
                            .expect(200)
                            .str("webhook_id"));
        }
    }
}
