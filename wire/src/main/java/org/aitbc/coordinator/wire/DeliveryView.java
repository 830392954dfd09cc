package org.aitbc.coordinator.wire;

import java.time.Instant;
import java.util.List;

/**
 * One event owed to a webhook: {@code status} is {@code pending} (not yet answered 2xx; the next
 * try at {@code next_attempt_at}), {@code delivered}, {@code failed} (every allowed attempt
 * failed) or {@code not_sent} (never to be sent: its account was revoked; {@code reason} says
 * so); {@code attempts} lists each try and the receiver's answer, oldest first; {@code ended_at}
 * is when it stopped being pending (ended deliveries are kept for
 * {@code aitbc.webhooks.deliveries.retention}).
 */
public record DeliveryView(
        long deliveryId,
        String webhookId,
        String jobId,
        long eventId,
        String event,
        String status,
        int attemptCount,
        Instant createdAt,
        Instant nextAttemptAt,
        Instant deliveredAt,
        Long redeliveryOf,
        List<Attempt> attempts,
        Instant endedAt,
        String reason) {

    /** One try: the receiver's status code (null when it did not answer) and what it said or went wrong. */
    public record Attempt(int attempt, Instant at, Integer statusCode, String answer, long durationMs) {}
}
