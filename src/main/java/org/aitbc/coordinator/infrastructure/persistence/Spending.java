package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.math.BigDecimal;
import java.util.List;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Pricing;

/**
 * The reads spending caps need: what a client's active jobs are estimated to cost (its monthly
 * budget's committed part; ended jobs' costs come from {@link DailyCounters}), and which running
 * jobs have a {@code max_cost} to check (on {@code IX_JOB_CAPPED}, a handful of rows per sweep).
 */
@ApplicationScoped
public class Spending {
    private static final List<JobState> ACTIVE =
            List.of(JobState.PENDING, JobState.ASSIGNED, JobState.RUNNING, JobState.CANCELING);

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    /** The sum of the estimates of the client's jobs submitted since {@code fromMs} that have not ended. */
    public BigDecimal activeEstimates(String clientId, long fromMs) {
        BigDecimal total = BigDecimal.ZERO.setScale(Pricing.SCALE);
        // One state at a time: each is one range of IX_JOB_CLIENT_STATE_NEWEST.
        for (JobState s : ACTIVE) {
            BigDecimal part = em.createQuery(
                            "SELECT SUM(j.billing.estimatedCost) FROM Job j"
                                    + " WHERE j.clientId = :c AND j.state = :s AND j.createdMs >= :from",
                            BigDecimal.class)
                    .setParameter("c", clientId)
                    .setParameter("s", s)
                    .setParameter("from", fromMs)
                    .getSingleResult();
            if (part != null) {
                total = total.add(part);
            }
        }
        return total;
    }

    /** Running jobs with a {@code max_cost}, for the sweep's check. */
    public List<String> cappedRunning(int max) {
        return em.createQuery(
                        "SELECT j.id FROM Job j WHERE j.state = :s AND j.billing.maxCost IS NOT NULL ORDER BY j.id",
                        String.class)
                .setParameter("s", JobState.RUNNING)
                .setMaxResults(max)
                .getResultList();
    }

    /** The miner's running jobs with a {@code max_cost}, checked at its heartbeat. */
    public List<String> cappedRunningOf(String minerId) {
        return em.createQuery(
                        "SELECT j.id FROM Job j WHERE j.lease.minerId = :m AND j.state = :s"
                                + " AND j.billing.maxCost IS NOT NULL ORDER BY j.id",
                        String.class)
                .setParameter("m", minerId)
                .setParameter("s", JobState.RUNNING)
                .setMaxResults(1000)
                .getResultList();
    }
}
