package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** When a delivery ends (the retention counts from there), and a not-sent end that keeps its reason. */
class WebhookDeliveryTest {
    private static final Duration BASE = Duration.ofSeconds(1);
    private static final Duration MAX = Duration.ofSeconds(4);

    @Test
    void aDeliveryEndsWhenDeliveredOrFailedForGood() {
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        WebhookDelivery d = new WebhookDelivery("whk_1", "job_1", 7, "job.completed");
        d.attempted(500, "down", t, BASE, MAX, 2);
        assertEquals(WebhookDelivery.PENDING, d.getState());
        assertNull(d.getEndedAt(), "a pending delivery has not ended");
        d.attempted(500, "down", t.plusSeconds(1), BASE, MAX, 2);
        assertEquals(WebhookDelivery.FAILED, d.getState());
        assertEquals(t.plusSeconds(1), d.getEndedAt());

        WebhookDelivery ok = new WebhookDelivery("whk_1", "job_1", 8, "job.completed");
        ok.attempted(204, null, t.plusSeconds(5), BASE, MAX, 2);
        assertEquals(WebhookDelivery.DELIVERED, ok.getState());
        assertEquals(t.plusSeconds(5), ok.getEndedAt());
    }

    @Test
    void notSentEndsOnlyAPendingDeliveryAndKeepsWhy() {
        Instant t = Instant.parse("2026-12-01T10:00:00Z");
        WebhookDelivery d = new WebhookDelivery("whk_1", "job_1", 7, "job.status");
        d.notSent("not sent: the account client_x was revoked", t);
        assertEquals(WebhookDelivery.NOT_SENT, d.getState());
        assertEquals("not sent: the account client_x was revoked", d.getLastError());
        assertEquals(t, d.getEndedAt());
        assertEquals(0, d.getAttempts());

        WebhookDelivery delivered = new WebhookDelivery("whk_1", "job_1", 8, "job.status");
        delivered.attempted(200, null, t, BASE, MAX, 12);
        delivered.notSent("not sent: revoked", t.plusSeconds(9));
        assertEquals(WebhookDelivery.DELIVERED, delivered.getState(), "an ended delivery stays as it was");
        assertEquals(t, delivered.getEndedAt());
    }
}
