package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * What a counter of ended jobs holds: how many, what they cost, and how long the completed ones
 * ran. Embedded in the per-day counter ({@link DailyStats}) and in each of its slots ({@link
 * DailyStatsSlot}), so that both count a job the same way and a reader can add slots together.
 */
@Embeddable
public class EndedJobs {
    @Column(name = "JOBS", nullable = false)
    private long jobs;

    @Column(name = "SPENT", nullable = false, precision = 19, scale = 6)
    private BigDecimal spent = BigDecimal.ZERO.setScale(Pricing.SCALE);

    /** Sum of start-to-end seconds of these jobs (used for completed ones). */
    @Column(name = "RUN_SECONDS", nullable = false)
    private long runSeconds;

    /** Counts one job that just ended. */
    public void add(Job job) {
        add(job.getCost(), millis(job.getStartedAt()), millis(job.getEndedAt()));
    }

    /**
     * Counts one ended job from its cost and its start and end (null when it never started):
     * what {@link #add(Job)} counts, for callers that have the values but no aggregate.
     */
    public void add(BigDecimal cost, Long startedMs, Long endedMs) {
        jobs++;
        if (cost != null) {
            spent = spent.add(cost);
        }
        if (startedMs != null && endedMs != null) {
            runSeconds += Math.max(0, (endedMs - startedMs) / 1000);
        }
    }

    /** Adds another counter's counts to this one (a slot of the same counter, when reading). */
    public void absorb(EndedJobs other) {
        jobs += other.jobs;
        spent = spent.add(other.spent);
        runSeconds += other.runSeconds;
    }

    /** A later charge of an already counted job (storage, when its results are deleted). */
    public void addSpent(BigDecimal amount) {
        spent = spent.add(amount);
    }

    private static Long millis(Instant t) {
        return t == null ? null : t.toEpochMilli();
    }

    public long jobs() {
        return jobs;
    }

    public BigDecimal spent() {
        return spent;
    }

    public long runSeconds() {
        return runSeconds;
    }
}
