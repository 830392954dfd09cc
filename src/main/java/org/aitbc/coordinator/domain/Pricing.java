package org.aitbc.coordinator.domain;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Cost arithmetic (spec §7): cost = hourly GPU rate × GPU count × hours × priority multiplier,
 * and storage at a rate per GB per day. Money is {@link BigDecimal} with {@value #SCALE}
 * decimal places, rounded half-up once at the end of each computation.
 */
public final class Pricing {
    /** Decimal places of every amount the service stores or shows. */
    public static final int SCALE = 6;

    private static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);
    private static final BigDecimal BYTES_PER_GB = BigDecimal.valueOf(1_000_000_000L);
    private static final BigDecimal MS_PER_DAY = BigDecimal.valueOf(Days.MS);

    private Pricing() {}

    public static BigDecimal compute(BigDecimal ratePerHour, int gpuCount, long seconds, BigDecimal multiplier) {
        if (seconds <= 0) {
            return BigDecimal.ZERO.setScale(SCALE);
        }
        return ratePerHour
                .multiply(BigDecimal.valueOf(Math.max(1, gpuCount)))
                .multiply(BigDecimal.valueOf(seconds))
                .multiply(multiplier)
                .divide(SECONDS_PER_HOUR, SCALE, RoundingMode.HALF_UP);
    }

    /** Storage: {@code ratePerGbDay} × GB × days, with sizes in bytes (1 GB = 10^9 bytes) and time in ms. */
    public static BigDecimal storage(BigDecimal ratePerGbDay, long bytes, long retainedMillis) {
        if (bytes <= 0 || retainedMillis <= 0) {
            return BigDecimal.ZERO.setScale(SCALE);
        }
        return ratePerGbDay
                .multiply(BigDecimal.valueOf(bytes))
                .multiply(BigDecimal.valueOf(retainedMillis))
                .divide(BYTES_PER_GB.multiply(MS_PER_DAY), SCALE, RoundingMode.HALF_UP);
    }
}
