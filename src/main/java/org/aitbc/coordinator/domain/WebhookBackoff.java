package org.aitbc.coordinator.domain;

import java.time.Duration;

/**
 * When a failed delivery is tried again: {@code base × 2^(n-1)} after the n-th failed attempt,
 * never longer than {@code max} (by default 40 s, 80 s, 160 s, ... 11.4 h, so that 12 attempts
 * span about 23 hours). Deterministic on purpose: a receiver's operator can tell from the
 * schedule when the next try comes.
 */
public final class WebhookBackoff {
    private WebhookBackoff() {}

    /** The wait after the {@code failedAttempts}-th failed attempt (1 for the first). */
    public static Duration delay(Duration base, Duration max, int failedAttempts) {
        int exponent = Math.max(0, Math.min(failedAttempts - 1, 40));
        long baseMs = Math.max(1, base.toMillis());
        long maxMs = max.toMillis();
        // Shifting past the cap would overflow: compare before shifting.
        long ms = baseMs > (maxMs >> exponent) ? maxMs : baseMs << exponent;
        return Duration.ofMillis(Math.min(ms, maxMs));
    }
}
