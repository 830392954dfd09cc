package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.aitbc.coordinator.domain.JobState;

/**
 * The leases miners hold on jobs, read and changed in bulk: a miner's heartbeat renews all its
 * leases in one statement, start-up extends every lease after downtime, and the sweeper reads the
 * jobs whose lease or deadline passed (on {@code IX_JOB_MINER}, {@code IX_JOB_LEASE} and
 * {@code IX_JOB_DEADLINE}). Each bulk update bumps the version, so that a racing version-checked
 * write of the same job fails instead of overwriting it.
 */
@ApplicationScoped
public class JobLeases {
    private static final Set<JobState> LEASED = Set.of(JobState.ASSIGNED, JobState.RUNNING, JobState.CANCELING);

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    public long countLeasedBy(String minerId) {
        return em.createQuery(
                        "SELECT COUNT(j) FROM Job j WHERE j.lease.minerId = :m AND j.state IN :leased", Long.class)
                .setParameter("m", minerId)
                .setParameter("leased", LEASED)
                .getSingleResult();
    }

    /** Extends the leases of all jobs a miner holds; one statement. */
    public int renewLeases(String minerId, long untilMs) {
        return em.createQuery("UPDATE Job j SET j.lease.expiresMs = :until, j.version = j.version + 1"
                        + " WHERE j.lease.minerId = :m AND j.state IN :leased")
                .setParameter("until", untilMs)
                .setParameter("m", minerId)
                .setParameter("leased", LEASED)
                .executeUpdate();
    }

    /**
     * Gives every held lease at least until {@code untilMs}. Run when the coordinator starts:
     * miners could not renew while it was down, and that is no reason to take their work away.
     */
    public int extendAllLeases(long untilMs) {
        return em.createQuery("UPDATE Job j SET j.lease.expiresMs = :until, j.version = j.version + 1"
                        + " WHERE j.state IN :leased AND j.lease.expiresMs < :until")
                .setParameter("until", untilMs)
                .setParameter("leased", LEASED)
                .executeUpdate();
    }

    /** The jobs the miner holds (any state that has a lease). */
    public List<String> heldBy(String minerId) {
        return em.createQuery(
                        "SELECT j.id FROM Job j WHERE j.lease.minerId = :m AND j.state IN :leased ORDER BY j.id",
                        String.class)
                .setParameter("m", minerId)
                .setParameter("leased", LEASED)
                .setMaxResults(10_000)
                .getResultList();
    }

    /** The miner's jobs whose client asked to cancel: the heartbeat tells the miner to stop them. */
    public List<String> cancelingJobsOf(String minerId) {
        return em.createQuery(
                        "SELECT j.id FROM Job j WHERE j.lease.minerId = :m AND j.state = :s ORDER BY j.id",
                        String.class)
                .setParameter("m", minerId)
                .setParameter("s", JobState.CANCELING)
                .setMaxResults(1000)
                .getResultList();
    }

    /** Ids of jobs whose lease ran out, whose run deadline passed, or that nobody claimed in time. */
    public List<String> overdue(long nowMs, int max) {
        List<String> ids = new ArrayList<>();
        ids.addAll(em.createQuery(
                        "SELECT j.id FROM Job j WHERE j.state IN :leased AND j.lease.expiresMs < :now", String.class)
                .setParameter("leased", LEASED)
                .setParameter("now", nowMs)
                .setMaxResults(max)
                .getResultList());
        ids.addAll(em.createQuery(
                        "SELECT j.id FROM Job j WHERE j.state IN :states AND j.deadlineMs < :now", String.class)
                .setParameter(
                        "states", List.of(JobState.PENDING, JobState.ASSIGNED, JobState.RUNNING, JobState.CANCELING))
                .setParameter("now", nowMs)
                .setMaxResults(max)
                .getResultList());
        return ids.stream().distinct().toList();
    }
}
