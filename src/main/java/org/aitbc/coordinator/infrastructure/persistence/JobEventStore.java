package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.List;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.JobState;

/**
 * The job events in the database: the events an aggregate recorded are inserted in the
 * transaction that changed it, in the order they happened, and announced as {@link JobsChanged};
 * one job's history is read back by id, on the {@code (JOB_ID, ID)} index.
 */
@ApplicationScoped
public class JobEventStore {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    Event<JobsChanged> changed;

    @Inject
    WebhookOutbox webhooks;

    /** Inserts the events the job recorded since the last call and returns them (none: nothing fired). */
    public List<JobEvent> append(Job job) {
        List<JobEvent> events = job.drainEvents();
        if (events.isEmpty()) {
            return events;
        }
        boolean queued = events.stream()
                .anyMatch(e -> JobState.PENDING.wire().equals(e.getStatus()) && JobEvent.STATUS.equals(e.getType()));
        // Fired before the inserts: the event feed's in-transaction observer must learn of this
        // transaction before the database hands out its event ids (see EventWriters).
        changed.fire(new JobsChanged(queued));
        for (JobEvent e : events) {
            em.persist(e);
            if (events.size() > 1) {
                // The database numbers events on insert, and the persistence context does not keep
                // the order of new objects: insert one at a time so that ids follow the changes.
                em.flush();
            }
        }
        // In this transaction, so that no event commits without the webhook deliveries it owes.
        webhooks.record(events);
        return events;
    }

    /** One job's events after {@code afterId}, in id order. */
    public List<JobEvent> events(String jobId, long afterId, int max) {
        return em.createQuery(
                        "SELECT e FROM JobEvent e WHERE e.jobId = :j AND e.id > :after ORDER BY e.id", JobEvent.class)
                .setParameter("j", jobId)
                .setParameter("after", afterId)
                .setMaxResults(max)
                .getResultList();
    }
}
