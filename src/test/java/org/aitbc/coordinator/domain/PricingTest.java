package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Costs against hand-computed values (spec §7). */
class PricingTest {
    @Test
    void rateTimesGpusTimesHoursTimesMultiplier() {
        // A100 0.10 × 4 GPUs × 2.5 h × urgent 2.0 = 2.0
        assertEquals(
                new BigDecimal("2.000000"),
                Pricing.compute(new BigDecimal("0.10"), 4, 9000, Priority.URGENT.defaultMultiplier()));
        // RTX3090 0.03 × 1 × 1 h × low 0.8 = 0.024
        assertEquals(
                new BigDecimal("0.024000"),
                Pricing.compute(new BigDecimal("0.03"), 1, 3600, Priority.LOW.defaultMultiplier()));
        // V100 0.05 × 1 × 1 s × 1.0 = 0.0000138888… → rounded half-up to 6 places
        assertEquals(new BigDecimal("0.000014"), Pricing.compute(new BigDecimal("0.05"), 1, 1, BigDecimal.ONE));
        assertEquals(new BigDecimal("0.000000"), Pricing.compute(new BigDecimal("0.05"), 1, 0, BigDecimal.ONE));
    }

    @Test
    void storagePerGigabyteDay() {
        // 0.001 × 2 GB × 30 days = 0.06
        assertEquals(
                new BigDecimal("0.060000"),
                Pricing.storage(
                        new BigDecimal("0.001"),
                        2_000_000_000L,
                        Duration.ofDays(30).toMillis()));
        assertEquals(new BigDecimal("0.000000"), Pricing.storage(new BigDecimal("0.001"), 0, 1000));
    }

    @Test
    void retentionWindowsPerPlan() {
        RetentionPolicy p = RetentionPolicy.defaults();
        Instant end = Instant.parse("2026-01-01T00:00:00Z");
        assertEquals(Instant.parse("2026-01-08T00:00:00Z"), p.expiresAt(Plan.FREE, end));
        assertEquals(Instant.parse("2026-01-31T00:00:00Z"), p.expiresAt(Plan.PRO, end));
        assertEquals(Instant.parse("2026-04-01T00:00:00Z"), p.expiresAt(Plan.ENTERPRISE, end));
    }

    @Test
    void durationText() {
        assertEquals(Duration.ofDays(7), DurationText.parse("7d"));
        assertEquals(Duration.ofHours(12), DurationText.parse("12h"));
        assertEquals(Duration.ofMinutes(30), DurationText.parse("30m"));
        assertEquals(Duration.ofSeconds(45), DurationText.parse("45s"));
        assertEquals(null, DurationText.parse("7 days"));
        assertEquals(null, DurationText.parse("-1d"));
    }
}
