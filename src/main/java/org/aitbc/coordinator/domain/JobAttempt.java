package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * One ended attempt of a job: which miner held it, from its claim (and start) to its end, how it
 * ended and what of it the client pays for. A row of {@code JOB_ATTEMPT}, written once by
 * {@link Job} when the attempt ends; the attempt still running is shown from the job's lease.
 *
 * <p>An attempt that ended by the miner's fault (a retryable failure, a lost lease, a new session
 * of the miner) has {@code billable = false}, zero billable seconds and zero cost; the job's run
 * cost is the sum over the billable attempts, which is at most the last one, since only the
 * miner's faults start another attempt.
 */
@Embeddable
public class JobAttempt {
    /** The attempt's miner gave up with a retryable failure. */
    public static final String MINER_FAILED = "miner_failed";
    /** The miner stopped renewing its lease. */
    public static final String LEASE_LOST = "lease_lost";
    /** The miner registered again (a new process) while it held the job. */
    public static final String SESSION_ENDED = "session_ended";

    @Column(name = "ATTEMPT_NO", nullable = false)
    private int number;

    @Column(name = "MINER_ID", length = 100)
    private String minerId;

    @Column(name = "ASSIGNED_MS")
    private Long assignedMs;

    @Column(name = "STARTED_MS")
    private Long startedMs;

    @Column(name = "ENDED_MS", nullable = false)
    private long endedMs;

    @Column(name = "OUTCOME", nullable = false, length = 32)
    private String outcome;

    @Column(name = "ERROR_CODE", length = 64)
    private String errorCode;

    @Column(name = "BILLABLE", nullable = false)
    private boolean billable;

    @Column(name = "BILLABLE_SECONDS", nullable = false)
    private long billableSeconds;

    @Column(name = "COST", nullable = false, precision = 19, scale = 6)
    private BigDecimal cost;

    protected JobAttempt() {}

    JobAttempt(
            int number,
            String minerId,
            Long assignedMs,
            Long startedMs,
            long endedMs,
            String outcome,
            String errorCode,
            boolean billable,
            long billableSeconds,
            BigDecimal cost) {
        this.number = number;
        this.minerId = minerId;
        this.assignedMs = assignedMs;
        this.startedMs = startedMs;
        this.endedMs = endedMs;
        this.outcome = outcome;
        this.errorCode = errorCode;
        this.billable = billable;
        this.billableSeconds = billableSeconds;
        this.cost = cost;
    }

    public int getNumber() {
        return number;
    }

    public String getMinerId() {
        return minerId;
    }

    public Instant getAssignedAt() {
        return assignedMs == null ? null : Instant.ofEpochMilli(assignedMs);
    }

    public Instant getStartedAt() {
        return startedMs == null ? null : Instant.ofEpochMilli(startedMs);
    }

    public Instant getEndedAt() {
        return Instant.ofEpochMilli(endedMs);
    }

    public String getOutcome() {
        return outcome;
    }

    public String getErrorCode() {
        return errorCode;
    }

    public boolean isBillable() {
        return billable;
    }

    public long getBillableSeconds() {
        return billableSeconds;
    }

    public BigDecimal getCost() {
        return cost;
    }
}
