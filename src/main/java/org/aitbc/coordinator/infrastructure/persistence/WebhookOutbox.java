package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.FlushModeType;
import jakarta.persistence.PersistenceContext;
import java.time.Instant;
import java.util.List;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.Webhook;
import org.aitbc.coordinator.domain.WebhookDelivery;
import org.aitbc.coordinator.domain.WebhookEvents;

/**
 * Records the deliveries a job's new events owe to its client's webhooks, in the transaction that
 * inserts the events ({@link JobEventStore#append}): an event commits with its deliveries or not
 * at all, so a crash between the two cannot lose one. The sender reads them from there.
 */
@ApplicationScoped
public class WebhookOutbox {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    /** {@code events} are one job's, as one append inserts them. */
    void record(List<JobEvent> events) {
        JobEvent first = events.get(0);
        // Read without flushing first: the transaction's own changes (the job and its new events)
        // do not change which webhooks exist, and flushing them here made EclipseLink compute
        // the changes twice, here and at the commit (docs/BENCHMARKS.md). The one webhook a
        // transaction adds before its events, a submission's callback_url, is flushed where it
        // is added ({@code WebhookService.forJob}).
        List<Webhook> hooks = em.createQuery(
                        "SELECT w FROM Webhook w WHERE w.clientId = :c AND (w.jobId IS NULL OR w.jobId = :j)",
                        Webhook.class)
                .setParameter("c", first.getClientId())
                .setParameter("j", first.getJobId())
                .setFlushMode(FlushModeType.COMMIT)
                .getResultList();
        if (hooks.isEmpty()) {
            return;
        }
        // The deliveries name the events by id, which the database assigns on insert.
        em.flush();
        Instant now = Instant.now();
        for (JobEvent e : events) {
            for (Webhook w : hooks) {
                String name = WebhookEvents.match(e, w.getEvents());
                if (name != null && w.follows(e)) {
                    em.persist(new WebhookDelivery(w.getId(), e, name, now));
                }
            }
        }
    }
}
