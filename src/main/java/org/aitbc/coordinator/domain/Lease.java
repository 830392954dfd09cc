package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

/**
 * A job's claim by a miner: who holds it, since when, until when its lease runs unless renewed,
 * and which attempt this is. Empty but for the attempt while the job waits in the queue; a lost
 * lease puts the job back and counts the attempt up; when the job ends the lease stops running
 * and the miner stays on record. Part of {@link Job}'s row, changed only by the job's methods.
 */
@Embeddable
public class Lease {
    @Column(name = "MINER_ID", length = 100)
    private String minerId;

    @Column(name = "ATTEMPT", nullable = false)
    private int attempt;

    @Column(name = "LEASE_EXPIRES_MS")
    private Long expiresMs;

    @Column(name = "ASSIGNED_MS")
    private Long assignedMs;

    /** The holder's session number when it claimed the job (see {@link Miner}); null before sessions existed. */
    @Column(name = "LEASE_SESSION")
    private Integer session;

    protected Lease() {}

    /** The claim of a job just submitted: nobody holds it, its first attempt is next. */
    static Lease firstAttempt() {
        Lease lease = new Lease();
        lease.attempt = 1;
        return lease;
    }

    void grant(String miner, Integer minerSession, long nowMs, long untilMs) {
        minerId = miner;
        session = minerSession;
        assignedMs = nowMs;
        expiresMs = untilMs;
    }

    void renew(long untilMs) {
        expiresMs = untilMs;
    }

    /** The job ended: nothing is held any more, but who held it stays on record. */
    void stop() {
        expiresMs = null;
    }

    /** The holder lost the lease: the job goes back to the queue for its next attempt. */
    void requeue() {
        attempt++;
        minerId = null;
        session = null;
        expiresMs = null;
        assignedMs = null;
    }

    boolean isExpired(long nowMs) {
        return expiresMs != null && expiresMs < nowMs;
    }

    String minerId() {
        return minerId;
    }

    int attempt() {
        return attempt;
    }

    Long expiresMs() {
        return expiresMs;
    }

    Integer session() {
        return session;
    }

    Long assignedMs() {
        return assignedMs;
    }
}
