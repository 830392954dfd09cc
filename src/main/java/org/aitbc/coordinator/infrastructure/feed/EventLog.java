package org.aitbc.coordinator.infrastructure.feed;

import jakarta.ejb.Stateless;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.Collection;
import java.util.List;
import org.aitbc.coordinator.domain.JobEvent;

/**
 * Reads of the event table for the WebSocket feed, each a short transaction of its own and each
 * served by an index: the primary key for the feed's sequence, {@code (JOB_ID, ID)} for one job's
 * replay, {@code (CLIENT_ID, ID)} for a client's. Only committed rows are ever read.
 */
@Stateless
public class EventLog {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    /** The highest event id so far, 0 for none. */
    public long maxId() {
        Long max =
                em.createQuery("SELECT MAX(e.id) FROM JobEvent e", Long.class).getSingleResult();
        return max == null ? 0 : max;
    }

    /** The next events after {@code afterId}, in id order. */
    public List<JobEvent> after(long afterId, int max) {
        return em.createQuery("SELECT e FROM JobEvent e WHERE e.id > :a ORDER BY e.id", JobEvent.class)
                .setParameter("a", afterId)
                .setMaxResults(max)
                .getResultList();
    }

    /** Events with ids in {@code from..to}, in id order. */
    public List<JobEvent> between(long from, long to) {
        return em.createQuery("SELECT e FROM JobEvent e WHERE e.id >= :f AND e.id <= :t ORDER BY e.id", JobEvent.class)
                .setParameter("f", from)
                .setParameter("t", to)
                .getResultList();
    }

    /** One job's events in {@code (after, upTo]}, in id order. */
    public List<JobEvent> ofJob(String jobId, long after, long upTo, int max) {
        return em.createQuery(
                        "SELECT e FROM JobEvent e WHERE e.jobId = :j AND e.id > :a AND e.id <= :u ORDER BY e.id",
                        JobEvent.class)
                .setParameter("j", jobId)
                .setParameter("a", after)
                .setParameter("u", upTo)
                .setMaxResults(max)
                .getResultList();
    }

    /** One client's events in {@code (after, upTo]}, in id order. */
    public List<JobEvent> ofClient(String clientId, long after, long upTo, int max) {
        return em.createQuery(
                        "SELECT e FROM JobEvent e WHERE e.clientId = :c AND e.id > :a AND e.id <= :u ORDER BY e.id",
                        JobEvent.class)
                .setParameter("c", clientId)
                .setParameter("a", after)
                .setParameter("u", upTo)
                .setMaxResults(max)
                .getResultList();
    }

    /** Everyone's events in {@code (after, upTo]}, in id order (for admin keys). */
    public List<JobEvent> ofAll(long after, long upTo, int max) {
        return em.createQuery("SELECT e FROM JobEvent e WHERE e.id > :a AND e.id <= :u ORDER BY e.id", JobEvent.class)
                .setParameter("a", after)
                .setParameter("u", upTo)
                .setMaxResults(max)
                .getResultList();
    }

    /** Which of these accounts have been revoked since their sessions opened. */
    public List<String> revoked(Collection<String> accountIds) {
        if (accountIds.isEmpty()) {
            return List.of();
        }
        return em.createQuery("SELECT a.id FROM Account a WHERE a.id IN :ids AND a.revokedMs IS NOT NULL", String.class)
                .setParameter("ids", accountIds)
                .getResultList();
    }
}
