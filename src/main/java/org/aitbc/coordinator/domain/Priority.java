package org.aitbc.coordinator.domain;

import java.math.BigDecimal;

/** How urgent a job is: orders the queue and multiplies the price. */
public enum Priority {
    LOW(0, "0.8"),
    NORMAL(1, "1.0"),
    HIGH(2, "1.5"),
    URGENT(3, "2.0");

    private final int rank;
    private final BigDecimal defaultMultiplier;

    Priority(int rank, String multiplier) {
        this.rank = rank;
        this.defaultMultiplier = new BigDecimal(multiplier);
    }

    /** Higher is served first. Stored in the job row so the queue index can order by it. */
    public int rank() {
        return rank;
    }

    public BigDecimal defaultMultiplier() {
        return defaultMultiplier;
    }

    public String wire() {
        return WireNames.of(this);
    }

    public static Priority fromWire(String value) {
        return WireNames.parse(Priority.class, value);
    }

    public static Priority fromRank(int rank) {
        for (Priority p : values()) {
            if (p.rank == rank) {
                return p;
            }
        }
        throw new IllegalArgumentException("no priority of rank " + rank);
    }
}
