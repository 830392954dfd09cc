package org.aitbc.coordinator.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.aitbc.coordinator.it.operations.RestartIT;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * A server restart between a job's events and their delivery loses nothing: the deliveries are
 * rows committed with the events, and the sender of the new process sends them, in order. Runs in
 * the restart-tests execution (it stops and starts the server).
 */
public class WebhookRestartIT {
    @Test
    void aRestartBetweenTheEventsAndTheirDeliveryLosesNothing() throws Exception {
        WebhooksIT.Setup s = new WebhooksIT.Setup();
        try (Receiver r = new Receiver()) {
            JsonObject w = s.hook(
                    r, "[\"job.completed\", \"job.failed\", \"job.canceled\", \"job.status\", \"job.progress\"]", null);
            r.down();
            String job = s.runJob();
            List<Long> ids = s.eventIds(job);
            assertTrue(ids.size() >= 5, "pending, assigned, running, progress..., completed: " + ids);
            RestartIT.restart();
            // Nothing was delivered before the restart: the receiver was down the whole time.
            JsonObject first = Api.get("/v1/webhooks/" + w.getString("webhook_id") + "/deliveries", s.client)
                    .expect(200)
                    .array("deliveries")
                    .getJsonObject(ids.size() - 1);
            assertEquals("pending", first.getString("status"));
            assertEquals(
                    ids.size(),
                    Api.get("/v1/webhooks/" + w.getString("webhook_id") + "/deliveries", s.client)
                            .array("deliveries")
                            .size());
            r.up();
            List<Receiver.Got> got =
                    r.await(g -> Receiver.delivered(g, job).size() == ids.size(), Duration.ofSeconds(60));
            r.assertAllSigned();
            assertEquals(ids, Receiver.delivered(got, job), "every event after the restart, in order, no gap");
        }
    }
}
