package org.aitbc.coordinator.domain;

import java.time.Duration;

/**
 * How long a job waits in the queue before the attempt after a miner's fault may be claimed:
 * {@code base × 2^(n-1)} after attempt {@code n} ended, never more than {@code cap}. Attempt 1
 * waits the base (5 s by default), attempt 2 twice that, and so on.
 */
public final class RetryBackoff {
    private RetryBackoff() {}

    /** The wait after attempt {@code endedAttempt} (1 for the first) ended. */
    public static Duration after(int endedAttempt, Duration base, Duration cap) {
        if (base.isNegative() || base.isZero()) {
            return Duration.ZERO;
        }
        int doublings = Math.max(0, endedAttempt - 1);
        // Past 2^30 any base is over every sensible cap; stop before the multiplication overflows.
        if (doublings >= 30) {
            return cap;
        }
        long ms = base.toMillis();
        long factor = 1L << doublings;
        long wait = ms > Long.MAX_VALUE / factor ? Long.MAX_VALUE : ms * factor;
        return Duration.ofMillis(Math.min(wait, cap.toMillis()));
    }
}
