package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * The leadership lease of one kind of work that must run on one server at a time (the lease
 * sweeper and the retention purge): who holds it, under which epoch, until when. The holder
 * renews it every few seconds; once it has expired another server takes it over with the next
 * epoch. Every write a leader makes is fenced by its epoch ({@link LeaderLeases#fenced}), so a
 * leader that was paused and lost the lease meanwhile changes nothing when it resumes. The
 * rules are {@link #decide}; {@link LeaderLeases} applies them under the row lock.
 */
@Entity
@Table(name = "LEADER_LEASE")
public class LeaderLease {
    /** What a server does with the lease it finds. */
    public enum Decision {
        /** It holds the lease under the epoch it knows: extend it. */
        RENEW,
        /** The lease is free or expired (or held by this very server's earlier process): take it with the next epoch. */
        TAKE_OVER,
        /** Another server holds a valid lease. */
        FOLLOW
    }

    @Id
    @Column(name = "NAME", length = 100)
    private String name;

    @Column(name = "HOLDER", length = 300)
    private String holder;

    @Column(name = "EPOCH", nullable = false)
    private long epoch;

    @Column(name = "EXPIRES_MS", nullable = false)
    private long expiresMs;

    @Column(name = "ACQUIRED_MS", nullable = false)
    private long acquiredMs;

    /** How many fenced writes passed under the current epoch's holders (the fence bumps it). */
    @Column(name = "FENCED_WRITES", nullable = false)
    private long fencedWrites;

    protected LeaderLease() {}

    public LeaderLease(String name) {
        this.name = name;
    }

    /**
     * What {@code me}, who believes it holds {@code myEpoch} (0: none), does at {@code nowMs}.
     * A holder renews under its own epoch even past the expiry while nobody else took over; a
     * server with the holder's name but another epoch is that server restarted (a host and
     * server name run once), so it takes over at once instead of waiting for its own old lease.
     */
    public Decision decide(String me, long myEpoch, long nowMs) {
        if (holder != null && holder.equals(me) && myEpoch > 0 && myEpoch == epoch) {
            return Decision.RENEW;
        }
        if (holder == null || expiresMs <= nowMs || holder.equals(me)) {
            return Decision.TAKE_OVER;
        }
        return Decision.FOLLOW;
    }

    /**
     * Whether nobody has been leading for a while: never held, or expired more than
     * {@code staleMs} ago. Then the coordinator as a whole was down (no server renewed or took
     * over), and miners, who could not renew their leases either, deserve a fresh lease period.
     */
    public boolean unheldFor(long staleMs, long nowMs) {
        return holder == null || expiresMs + staleMs < nowMs;
    }

    void renew(long untilMs) {
        expiresMs = untilMs;
    }

    void takeOver(String newHolder, long nowMs, long untilMs) {
        holder = newHolder;
        epoch++;
        acquiredMs = nowMs;
        expiresMs = untilMs;
    }

    public String getName() {
        return name;
    }

    public String getHolder() {
        return holder;
    }

    public long getEpoch() {
        return epoch;
    }

    public long getExpiresMs() {
        return expiresMs;
    }

    public long getAcquiredMs() {
        return acquiredMs;
    }

    public long getFencedWrites() {
        return fencedWrites;
    }
}
