package org.aitbc.coordinator.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.List;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * What bounds a webhook's deliveries: at most {@code aitbc.webhooks.max.attempts} tries (12 by
 * default, which the test server keeps), after which the delivery is {@code failed} and nothing
 * more is sent; redirects are never followed; and a slow receiver ties up only its own share of the sender, never the API nor
 * another client's deliveries.
 */
@Order(Schedule.LONG_WAITS)
class WebhookLimitsIT {
    @Test
    void aDeliveryIsTriedMaxAttemptsTimesThenFailed() throws Exception {
        WebhooksIT.Setup s = new WebhooksIT.Setup();
        try (Receiver r = new Receiver()) {
            r.failNext(Integer.MAX_VALUE);
            JsonObject w = s.hook(r, "[\"job.completed\"]", null);
            String job = s.runJob();
            String path = "/v1/webhooks/" + w.getString("webhook_id") + "/deliveries";
            // 12 tries 1, 2, then 4 s apart on the test server: about 40 s.
            long until = System.currentTimeMillis() + 120_000;
            JsonObject d;
            while (true) {
                d = Api.get(path, s.client).expect(200).array("deliveries").getJsonObject(0);
                if (!d.getString("status").equals("pending")) {
                    break;
                }
                assertTrue(System.currentTimeMillis() < until, "still pending: " + d);
                Api.sleep(500);
            }
            assertEquals("failed", d.getString("status"), d.toString());
            assertEquals(12, d.getInt("attempt_count"));
            assertEquals(12, d.getJsonArray("attempts").size());
            assertTrue(d.isNull("next_attempt_at"));
            Api.sleep(6_000); // longer than the longest wait between tries
            List<Receiver.Got> got = r.await(g -> true, Duration.ofSeconds(1));
            assertEquals(12, got.stream().filter(g -> g.jobId().equals(job)).count(), "12 tries, none after the last");
            r.assertAllSigned();
        }
    }

    @Test
    void aRedirectIsNotFollowed() throws Exception {
        WebhooksIT.Setup s = new WebhooksIT.Setup();
        try (Receiver target = new Receiver()) {
            com.sun.net.httpserver.HttpServer redirecting = com.sun.net.httpserver.HttpServer.create(
                    new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 10);
            java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
            redirecting.createContext("/hook", ex -> {
                ex.getRequestBody().readAllBytes();
                asked.incrementAndGet();
                ex.getResponseHeaders().add("Location", target.url());
                ex.sendResponseHeaders(307, -1);
                ex.close();
            });
            redirecting.start();
            try {
                String url = "http://127.0.0.1:" + redirecting.getAddress().getPort() + "/hook";
                JsonObject w = Api.post(
                                "/v1/webhooks", s.client, "{\"url\": \"" + url + "\", \"events\": [\"job.completed\"]}")
                        .expect(201)
                        .json();
                target.secret(w.getString("webhook_id"), w.getString("secret"));
                s.runJob();
                String path = "/v1/webhooks/" + w.getString("webhook_id") + "/deliveries";
                long until = System.currentTimeMillis() + 30_000;
                JsonObject d;
                while (true) {
                    d = Api.get(path, s.client).expect(200).array("deliveries").getJsonObject(0);
                    if (d.getInt("attempt_count") >= 2) {
                        break;
                    }
                    assertTrue(System.currentTimeMillis() < until, "not tried twice: " + d);
                    Api.sleep(200);
                }
                assertEquals("pending", d.getString("status"), "a 3xx is not a delivery: " + d);
                assertEquals(307, d.getJsonArray("attempts").getJsonObject(0).getInt("status_code"));
                assertTrue(asked.get() >= 2);
                assertEquals(0, target.arrivals(), "the redirect's target was never asked");
            } finally {
                redirecting.stop(0);
            }
        }
    }

    @Test
    void aSlowReceiverSlowsNeitherTheApiNorAnotherClientsDeliveries() throws Exception {
        WebhooksIT.Setup slowClient = new WebhooksIT.Setup();
        WebhooksIT.Setup fastClient = new WebhooksIT.Setup();
        try (Receiver slow = new Receiver();
                Receiver fast = new Receiver()) {
            // Longer than the test server's read timeout (10 s): every try to it hangs until the sender gives up.
            slow.delay(25_000);
            slowClient.hook(slow, "[\"job.completed\", \"job.status\", \"job.progress\"]", null);
            fastClient.hook(fast, "[\"job.completed\"]", null);
            for (int i = 0; i < 4; i++) {
                slowClient.runJob();
            }
            long until = System.currentTimeMillis() + 20_000;
            while (slow.arrivals() == 0) {
                assertTrue(System.currentTimeMillis() < until, "nothing reached the slow receiver");
                Api.sleep(100);
            }
            // While the slow receiver holds its deliveries, the API answers and the other client's webhook is served.
            String job = fastClient.runJob();
            assertEquals("completed", Api.job(fastClient.client, job).getString("status"));
            fast.await(g -> !Receiver.delivered(g, job).isEmpty(), Duration.ofSeconds(20));
            assertEquals(0, slow.answers(), "the other client's delivery came while the slow receiver held every try");
            assertTrue(slow.arrivals() >= 1);
            fast.assertAllSigned();
        }
    }
}
