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
 * One of several rows that together hold a {@link DailyStats} counter (client, UTC day of
 * submission, final status). Every ending of a job adds itself under its row's lock until its
 * commit; with one row per key, all the endings of a client's jobs on a day queued on that lock
 * (docs/BENCHMARKS.md). Spread over a few slots, concurrent endings mostly take different rows, and
 * readers add the slots up: the counter's value is the sum of its slots (and of the {@code
 * DAILY_STATS} row written before the slots existed, which is no longer written).
 */
@Entity
@Table(name = "DAILY_STATS_SLOT")
@IdClass(DailyStatsSlot.Key.class)
public class DailyStatsSlot {
    @Id
    @Column(name = "CLIENT_ID", length = 40)
    private String clientId;

    @Id
    @Column(name = "EPOCH_DAY")
    private long epochDay;

    @Id
    @Column(name = "STATUS", length = 16)
    private String status;

    @Id
    @Column(name = "SLOT")
    private int slot;

    @Embedded
    private EndedJobs ended = new EndedJobs();

    protected DailyStatsSlot() {}

    public DailyStatsSlot(DailyStats.Key counter, int slot) {
        this.clientId = counter.clientId;
        this.epochDay = counter.epochDay;
        this.status = counter.status;
        this.slot = slot;
    }

    /** Counts one job that just ended (what {@link DailyStats#add(Job)} counts). */
    public void add(Job job) {
        ended.add(job);
    }

    /** A later charge of an already counted job. */
    public void addSpent(BigDecimal amount) {
        ended.addSpent(amount);
    }

    /** The composite key: the counter's key and the slot. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        public String clientId;
        public long epochDay;
        public String status;
        public int slot;

        public Key() {}

        public Key(DailyStats.Key counter, int slot) {
            this.clientId = counter.clientId;
            this.epochDay = counter.epochDay;
            this.status = counter.status;
            this.slot = slot;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k
                    && k.epochDay == epochDay
                    && k.slot == slot
                    && Objects.equals(k.clientId, clientId)
                    && Objects.equals(k.status, status);
        }

        @Override
        public int hashCode() {
            return Objects.hash(clientId, epochDay, status, slot);
        }
    }

    public DailyStats.Key counter() {
        return new DailyStats.Key(clientId, epochDay, status);
    }

    public int getSlot() {
        return slot;
    }

    public EndedJobs ended() {
        return ended;
    }
}
