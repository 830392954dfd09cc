package org.aitbc.coordinator.domain;

/**
 * Whole UTC days over epoch milliseconds, the one place that knows how long a day is: daily
 * counters are keyed by the day a job was submitted, listings and statistics are bounded by days,
 * and storage is charged per GB-day. Day numbers count from 1970-01-01 (as
 * {@link java.time.LocalDate#toEpochDay}); times before it fall on negative days.
 */
public final class Days {
    /** Milliseconds in a day: every UTC day on Java's time-scale (no daylight saving, no leap seconds). */
    public static final long MS = 86_400_000L;

    private Days() {}

    /** The day that contains this instant. */
    public static long epochDay(long epochMs) {
        return Math.floorDiv(epochMs, MS);
    }

    /** The first day that starts at or after this instant: the first whole day of a range. */
    public static long firstWholeDay(long epochMs) {
        return Math.floorDiv(epochMs + MS - 1, MS);
    }

    /** When this day starts, in epoch milliseconds. */
    public static long startMs(long epochDay) {
        return epochDay * MS;
    }

    /** The length of {@code days} days in milliseconds. */
    public static long toMs(long days) {
        return days * MS;
    }
}
