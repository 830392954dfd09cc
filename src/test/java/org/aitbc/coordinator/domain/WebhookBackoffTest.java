package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WebhookBackoffTest {
    private static final Duration BASE = Duration.ofSeconds(40);
    private static final Duration MAX = Duration.ofHours(12);

    @Test
    void eachWaitDoublesTheOneBefore() {
        assertEquals(Duration.ofSeconds(40), WebhookBackoff.delay(BASE, MAX, 1));
        assertEquals(Duration.ofSeconds(80), WebhookBackoff.delay(BASE, MAX, 2));
        assertEquals(Duration.ofSeconds(160), WebhookBackoff.delay(BASE, MAX, 3));
        assertEquals(Duration.ofSeconds(40L << 10), WebhookBackoff.delay(BASE, MAX, 11));
    }

    @Test
    void twelveAttemptsWithTheDefaultsSpanAboutADay() {
        Duration total = Duration.ZERO;
        for (int failed = 1; failed < 12; failed++) { // 11 waits between 12 attempts
            total = total.plus(WebhookBackoff.delay(BASE, MAX, failed));
        }
        assertTrue(
                total.compareTo(Duration.ofHours(20)) > 0 && total.compareTo(Duration.ofHours(26)) < 0,
                total::toString);
    }

    @Test
    void noWaitPassesTheCapAndNothingOverflows() {
        assertEquals(Duration.ofSeconds(5), WebhookBackoff.delay(Duration.ofSeconds(1), Duration.ofSeconds(5), 4));
        assertEquals(MAX, WebhookBackoff.delay(BASE, MAX, 12));
        assertEquals(MAX, WebhookBackoff.delay(BASE, MAX, 1000));
        assertEquals(Duration.ofSeconds(40), WebhookBackoff.delay(BASE, MAX, 0));
    }

    @Test
    void aDeliveryIsRetriedUntilItsLastAttemptThenFails() {
        WebhookDelivery d = new WebhookDelivery("whk_1", "job_1", 5L, WebhookEvents.COMPLETED);
        java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
        d.attempted(500, "boom", now, Duration.ofSeconds(1), MAX, 3);
        assertEquals(WebhookDelivery.PENDING, d.getState());
        assertEquals(now.plusSeconds(1), d.getNextAt());
        d.attempted(null, "refused", now, Duration.ofSeconds(1), MAX, 3);
        assertEquals(now.plusSeconds(2), d.getNextAt());
        d.attempted(503, null, now, Duration.ofSeconds(1), MAX, 3);
        assertEquals(WebhookDelivery.FAILED, d.getState());
        assertEquals(3, d.getAttempts());
    }

    @Test
    void a2xxDelivers() {
        WebhookDelivery d = new WebhookDelivery("whk_1", "job_1", 5L, WebhookEvents.COMPLETED);
        java.time.Instant now = java.time.Instant.parse("2026-01-01T00:00:00Z");
        d.attempted(204, null, now, Duration.ofSeconds(1), MAX, 3);
        assertEquals(WebhookDelivery.DELIVERED, d.getState());
        assertEquals(now, d.getDeliveredAt());
    }
}
