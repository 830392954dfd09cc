package org.aitbc.coordinator.domain;

import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;

/** How long a plan keeps results after the job ends: Free 7 days, Pro 30, Enterprise 90 by default. */
public final class RetentionPolicy {
    private final Map<Plan, Duration> windows;

    public RetentionPolicy(Duration free, Duration pro, Duration enterprise) {
        windows = new EnumMap<>(Plan.class);
        windows.put(Plan.FREE, free);
        windows.put(Plan.PRO, pro);
        windows.put(Plan.ENTERPRISE, enterprise);
    }

    public static RetentionPolicy defaults() {
        return new RetentionPolicy(Duration.ofDays(7), Duration.ofDays(30), Duration.ofDays(90));
    }

    public Duration window(Plan plan) {
        return windows.get(plan);
    }

    public Instant expiresAt(Plan plan, Instant endedAt) {
        return endedAt.plus(windows.get(plan));
    }
}
