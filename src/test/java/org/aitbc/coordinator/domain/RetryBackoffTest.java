package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The back-off before the attempt after a miner's fault: base × 2^(n-1), capped. */
class RetryBackoffTest {
    private static final Duration BASE = Duration.ofSeconds(5);
    private static final Duration CAP = Duration.ofSeconds(300);

    @Test
    void doublesPerEndedAttemptFromTheBase() {
        assertEquals(Duration.ofSeconds(5), RetryBackoff.after(1, BASE, CAP));
        assertEquals(Duration.ofSeconds(10), RetryBackoff.after(2, BASE, CAP));
        assertEquals(Duration.ofSeconds(20), RetryBackoff.after(3, BASE, CAP));
        assertEquals(Duration.ofSeconds(160), RetryBackoff.after(6, BASE, CAP));
    }

    @Test
    void neverPastTheCapNorOverflowing() {
        assertEquals(CAP, RetryBackoff.after(7, BASE, CAP));
        assertEquals(CAP, RetryBackoff.after(40, BASE, CAP));
        assertEquals(CAP, RetryBackoff.after(Integer.MAX_VALUE, BASE, CAP));
        assertEquals(CAP, RetryBackoff.after(29, Duration.ofDays(10_000), CAP));
    }

    @Test
    void aZeroBaseMeansNoWait() {
        assertEquals(Duration.ZERO, RetryBackoff.after(3, Duration.ZERO, CAP));
        assertEquals(Duration.ZERO, RetryBackoff.after(0, Duration.ZERO, CAP));
        assertEquals(BASE, RetryBackoff.after(0, BASE, CAP), "attempt numbers start at 1; 0 waits the base");
    }
}
