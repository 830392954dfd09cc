package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.TypedQuery;
import java.util.ArrayList;
import java.util.List;
import org.aitbc.coordinator.domain.Miner;

/**
 * The reads a quote makes: every registered miner (a quote matches each in Java, to say which
 * requirement rules it out), and the claim waits of recent similar jobs, newest first by
 * {@code IX_JOB_NEWEST}.
 */
@ApplicationScoped
public class QuoteQueries {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    /** Miners that registered at least once. */
    public List<Miner> registeredMiners() {
        return em.createQuery("SELECT m FROM Miner m WHERE m.sessionNo IS NOT NULL ORDER BY m.id", Miner.class)
                .getResultList();
    }

    /**
     * Milliseconds from submission to (latest) claim of the newest {@code max} jobs submitted since
     * {@code sinceMs} with this priority and GPU type and name (null: jobs that name none), that a
     * miner claimed.
     */
    public List<Long> claimWaits(int priorityRank, String gpuType, String gpuName, long sinceMs, int max) {
        String q = "SELECT j.createdMs, j.lease.assignedMs FROM Job j WHERE j.createdMs >= :since"
                + " AND j.lease.assignedMs IS NOT NULL AND j.priorityRank = :rank"
                + (gpuType == null ? " AND j.gpuType IS NULL" : " AND j.gpuType = :type")
                + (gpuName == null ? " AND j.gpuName IS NULL" : " AND j.gpuName = :name")
                + " ORDER BY j.createdMs DESC";
        TypedQuery<Object[]> query = em.createQuery(q, Object[].class)
                .setParameter("since", sinceMs)
                .setParameter("rank", priorityRank)
                .setMaxResults(max);
        if (gpuType != null) {
            query.setParameter("type", gpuType);
        }
        if (gpuName != null) {
            query.setParameter("name", gpuName);
        }
        List<Long> waits = new ArrayList<>();
        for (Object[] row : query.getResultList()) {
            waits.add(Math.max(0, ((Number) row[1]).longValue() - ((Number) row[0]).longValue()));
        }
        return waits;
    }
}
