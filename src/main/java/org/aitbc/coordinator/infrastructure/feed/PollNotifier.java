package org.aitbc.coordinator.infrastructure.feed;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import org.aitbc.coordinator.infrastructure.persistence.JobsChanged;

/**
 * Wakes long-polling miners on this server when a job was queued here. It only shortens the
 * wait: pollers also re-check the database at a short interval, so jobs queued through another
 * server are found too.
 */
@ApplicationScoped
public class PollNotifier {
    private final Object monitor = new Object();
    private long generation;

    void onChange(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobsChanged change) {
        if (change.queued()) {
            synchronized (monitor) {
                generation++;
                monitor.notifyAll();
            }
        }
    }

    public long generation() {
        synchronized (monitor) {
            return generation;
        }
    }

    /** Waits until something is queued after {@code seen}, or the time is up. */
    public void await(long seen, long millis) throws InterruptedException {
        long until = System.currentTimeMillis() + millis;
        synchronized (monitor) {
            while (generation == seen) {
                long left = until - System.currentTimeMillis();
                if (left <= 0) {
                    return;
                }
                monitor.wait(left);
            }
        }
    }
}
