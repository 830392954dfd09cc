package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.Objects;

/**
 * Counters of ended jobs per client, day of submission (UTC) and final status, kept in the same
 * transaction as the job's final change. Statistics then add up a few rows per day instead of
 * scanning jobs; jobs still active are few and counted from the state index.
 */
@Entity
@Table(name = "DAILY_STATS")
@IdClass(DailyStats.Key.class)
public class DailyStats {
    @Id
    @Column(name = "CLIENT_ID", length = 40)
    private String clientId;

    /** Days since 1970-01-01 (UTC) of the jobs' submission ({@link Days#epochDay}). */
    @Id
    @Column(name = "EPOCH_DAY")
    private long epochDay;

    @Id
    @Column(name = "STATUS", length = 16)
    private String status;

    @Embedded
    private EndedJobs ended = new EndedJobs();

    protected DailyStats() {}

    public DailyStats(String clientId, long epochDay, String status) {
        this.clientId = clientId;
        this.epochDay = epochDay;
        this.status = status;
    }

    /** The row a job that ended in {@code finalState} is counted in: its client, UTC day of submission, state. */
    public static Key keyOf(String clientId, long createdMs, JobState finalState) {
        return new Key(clientId, Days.epochDay(createdMs), finalState.wire());
    }

    /** Counts one job that just ended. */
    public void add(Job job) {
        ended.add(job);
    }

    /** What {@link #add(Job)} counts, from the values, for callers that have no aggregate. */
    public void add(BigDecimal cost, Long startedMs, Long endedMs) {
        ended.add(cost, startedMs, endedMs);
    }

    /** Adds another row's counts to this one (a slot of the same counter, when reading). */
    public void absorb(EndedJobs other) {
        ended.absorb(other);
    }

    /** A later charge of an already counted job (storage, when its results are deleted). */
    public void addSpent(BigDecimal amount) {
        ended.addSpent(amount);
    }

    /** The composite key: client, day, status. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        public String clientId;
        public long epochDay;
        public String status;

        public Key() {}

        public Key(String clientId, long epochDay, String status) {
            this.clientId = clientId;
            this.epochDay = epochDay;
            this.status = status;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k
                    && k.epochDay == epochDay
                    && Objects.equals(k.clientId, clientId)
                    && Objects.equals(k.status, status);
        }

        @Override
        public int hashCode() {
            return Objects.hash(clientId, epochDay, status);
        }
    }

    public String getClientId() {
        return clientId;
    }

    public long getEpochDay() {
        return epochDay;
    }

    public String getStatus() {
        return status;
    }

    /** This row's counts (the counter's value when read through {@code DailyCounters}). */
    public EndedJobs ended() {
        return ended;
    }

    public long getJobs() {
        return ended.jobs();
    }

    public BigDecimal getSpent() {
        return ended.spent();
    }

    public long getRunSeconds() {
        return ended.runSeconds();
    }
}
