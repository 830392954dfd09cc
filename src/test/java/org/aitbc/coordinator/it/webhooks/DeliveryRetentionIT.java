package org.aitbc.coordinator.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Ended deliveries are deleted {@code aitbc.webhooks.deliveries.retention} after they ended (30 s
 * on the test server) by the leader's paced purge: an old delivered one goes, while one that
 * ended recently and one still pending (its receiver answers 500) stay.
 */
@Order(Schedule.LONG_WAITS)
class DeliveryRetentionIT {
    private static final long RETENTION_MS = 30_000;

    private static Set<Long> ids(String client, String webhookId) {
        JsonArray ds = Api.get("/v1/webhooks/" + webhookId + "/deliveries?limit=500", client)
                .expect(200)
                .array("deliveries");
        return ds.stream()
                .map(v -> v.asJsonObject().getJsonNumber("delivery_id").longValue())
                .collect(Collectors.toSet());
    }

    private static List<JsonObject> deliveries(String client, String webhookId) {
        return Api.get("/v1/webhooks/" + webhookId + "/deliveries?limit=500", client)
                .expect(200)
                .array("deliveries")
                .stream()
                .map(v -> v.asJsonObject())
                .toList();
    }

    /** Waits until every delivery of the webhook ended (none pending); answers them. */
    private static List<JsonObject> awaitEnded(String client, String webhookId, int atLeast) {
        long until = System.currentTimeMillis() + 30_000;
        while (true) {
            List<JsonObject> ds = deliveries(client, webhookId);
            if (ds.size() >= atLeast
                    && ds.stream().noneMatch(d -> d.getString("status").equals("pending"))) {
                return ds;
            }
            assertTrue(System.currentTimeMillis() < until, "deliveries did not end: " + ds);
            Api.sleep(200);
        }
    }

    @Test
    void oldEndedDeliveriesGoWhileRecentAndPendingOnesStay() throws Exception {
        WebhooksIT.Setup old = new WebhooksIT.Setup();
        WebhooksIT.Setup recent = new WebhooksIT.Setup();
        WebhooksIT.Setup pending = new WebhooksIT.Setup();
        try (Receiver ok = new Receiver();
                Receiver failing = new Receiver()) {
            failing.failNext(Integer.MAX_VALUE);
            String oldHook =
                    old.hook(ok, "[\"job.completed\", \"job.status\"]", null).getString("webhook_id");
            String pendingHook =
                    pending.hook(failing, "[\"job.completed\"]", null).getString("webhook_id");
            old.runJob();
            pending.runJob();
            Set<Long> oldIds = awaitEnded(old.client, oldHook, 2).stream()
                    .map(d -> d.getJsonNumber("delivery_id").longValue())
                    .collect(Collectors.toSet());
            long oldEnded = System.currentTimeMillis();
            // The other webhook's deliveries end a while later: still within the retention when the old ones go.
            Api.sleep(RETENTION_MS / 2);
            String recentHook =
                    recent.hook(ok, "[\"job.completed\", \"job.status\"]", null).getString("webhook_id");
            recent.runJob();
            Set<Long> recentIds = awaitEnded(recent.client, recentHook, 2).stream()
                    .map(d -> d.getJsonNumber("delivery_id").longValue())
                    .collect(Collectors.toSet());

            long until = oldEnded + RETENTION_MS + 30_000;
            while (!ids(old.client, oldHook).isEmpty()) {
                assertTrue(System.currentTimeMillis() < until, "the old deliveries " + oldIds + " were not purged");
                Api.sleep(500);
            }
            assertTrue(
                    System.currentTimeMillis() >= oldEnded + RETENTION_MS - 2_000,
                    "purged before the retention was over");
            // Right after the old ones went: the recent ones and the pending one are all there.
            assertEquals(recentIds, ids(recent.client, recentHook), "recent deliveries stay");
            List<JsonObject> stillPending = deliveries(pending.client, pendingHook);
            assertEquals(1, stillPending.size(), stillPending.toString());
            assertEquals("pending", stillPending.get(0).getString("status"), "a pending delivery stays");
            assertTrue(stillPending.get(0).getInt("attempt_count") >= 2, stillPending.toString());
        }
    }
}
