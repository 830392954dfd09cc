package org.aitbc.coordinator.infrastructure.feed;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import org.aitbc.coordinator.infrastructure.persistence.JobsChanged;

/**
 * Wakes long-polling miners on this server when a job was queued here. It only shortens the
 * wait: pollers also re-check the database at a short interval, so jobs queued through another
 * server are found too.
 *
 * <p>A queued job wakes one waiting poller, not all of them: with many miners waiting, waking all
 * for one job made all of them query and race for it, and all but one lost (a stampede). A poller
 * that was woken and got a job {@linkplain #passOn() passes the wake-up on}, so that a transaction
 * that queued many jobs (the sweeper's requeue) still reaches as many pollers as it has jobs,
 * one after another; a poller that was woken for a job it cannot run lets the others find it at
 * their next re-check.
 */
@ApplicationScoped
public class PollNotifier {
    private final Object monitor = new Object();
    private long generation;

    void onChange(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobsChanged change) {
        if (change.queued()) {
            passOn();
        }
    }

    /** Wakes one waiting poller (if any waits) to look for a job. */
    public void passOn() {
        synchronized (monitor) {
            generation++;
            monitor.notify();
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
