package org.aitbc.coordinator.domain;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a job. This enum is the single place that decides which moves are allowed;
 * {@link Job} refuses any other, whoever asks (client, miner, sweeper).
 *
 * <pre>
 * pending → assigned → running → completed
 * pending, assigned, running → failed | canceled
 * running → canceling → canceled          (a running job's miner must stop first)
 * assigned, running, canceling → pending  (lease lost: requeued for another attempt)
 * </pre>
 */
public enum JobState {
    PENDING,
    ASSIGNED,
    RUNNING,
    CANCELING,
    COMPLETED,
    FAILED,
    CANCELED;

    private static final Set<JobState> FINAL = EnumSet.of(COMPLETED, FAILED, CANCELED);

    public boolean isFinal() {
        return FINAL.contains(this);
    }

    /** True while a miner holds the job under a lease. */
    public boolean isLeased() {
        return this == ASSIGNED || this == RUNNING || this == CANCELING;
    }

    public boolean canMoveTo(JobState next) {
        return switch (this) {
            case PENDING -> next == ASSIGNED || next == FAILED || next == CANCELED;
            case ASSIGNED -> next == RUNNING || next == PENDING || next == FAILED || next == CANCELED;
            case RUNNING -> next == COMPLETED || next == FAILED || next == CANCELING || next == PENDING;
            case CANCELING -> next == CANCELED || next == PENDING;
            case COMPLETED, FAILED, CANCELED -> false;
        };
    }

    /** The JSON value: lower case. */
    public String wire() {
        return WireNames.of(this);
    }

    /** The older marketplace API's upper-case state word. */
    public String legacyWire() {
        return switch (this) {
            case PENDING -> "QUEUED";
            case ASSIGNED, RUNNING, CANCELING -> "RUNNING";
            default -> name();
        };
    }

    /** Parses a JSON or query value; null when it names no state. */
    public static JobState fromWire(String value) {
        return WireNames.parse(JobState.class, value);
    }
}
