package org.aitbc.coordinator.interfaces.timers;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.EJB;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.Timeout;
import jakarta.ejb.Timer;
import jakarta.ejb.TimerConfig;
import jakarta.ejb.TimerService;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import java.io.Serializable;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.Leadership;
import org.aitbc.coordinator.application.LeaseSweeper;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.SweepStatus;

/**
 * Runs the {@link LeaseSweeper} every {@code aitbc.sweep.interval.seconds} on this server's own
 * non-persistent timer; the sweep does something only on the server that holds the
 * {@link Leadership leadership} lease, so with several servers one sweeps at a time and another
 * takes over within the lease plus one renewal period when it stops. Persistent timers of
 * earlier versions (one timer in the database, failing over in minutes) are cancelled at
 * start-up.
 */
@Singleton
@Startup
// Bean-managed: with the container's locks, a health check's nextRun (READ) waited for a running
// sweep (WRITE), so /health/live hung for as long as a sweep was stuck. A flag keeps runs apart.
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class SweepTimer {
    private static final Logger LOG = Logger.getLogger(SweepTimer.class.getName());
    static final String NAME = "aitbc-lease-sweeper";

    @Resource
    TimerService timerService;

    @EJB
    LeaseSweeper sweeper;

    @EJB
    Leadership leadership;

    @Inject
    CoordinatorConfig config;

    @Inject
    SweepStatus status;

    /** A sweep is running (a run that comes due meanwhile is skipped). */
    private final AtomicBoolean running = new AtomicBoolean();

    /** What the timers of earlier versions carried: their name and interval, to recognise them. */
    public record Info(String name, long intervalMs) implements Serializable {}

    @PostConstruct
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    void schedule() {
        cancelPersistentTimers(timerService, NAME);
        long interval = config.sweepIntervalSeconds() * 1000L;
        timerService.createIntervalTimer(interval, interval, new TimerConfig(new Info(NAME, interval), false));
        LOG.info(() -> "lease sweeper runs every " + interval + " ms while this server leads");
    }

    /** Cancels the persistent timers named {@code name} that earlier versions created. */
    static void cancelPersistentTimers(TimerService timers, String name) {
        try {
            for (Timer t : timers.getTimers()) {
                if (t.isPersistent() && t.getInfo() instanceof Info info && name.equals(info.name())) {
                    t.cancel();
                    LOG.info(() -> "persistent timer " + name + " of an earlier version cancelled");
                }
            }
        } catch (RuntimeException e) {
            // Another server cancelled it at the same moment, or the timer store is unreachable.
            LOG.log(Level.FINE, "could not look for persistent timers", e);
        }
    }

    @Timeout
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    void run(Timer timer) {
        if (!leadership.leads() || !running.compareAndSet(false, true)) {
            return;
        }
        try {
            int changed = sweeper.sweep();
            status.swept(Instant.now(), changed);
        } catch (RuntimeException e) {
            // The next run tries again; a failing sweep must not cancel the timer.
            LOG.log(Level.WARNING, "lease sweep failed: " + e.getMessage());
        } finally {
            running.set(false);
        }
    }

    /** When this server's sweeper timer fires next; null when it does not exist. */
    public Instant nextRun() {
        for (Timer t : timerService.getTimers()) {
            if (!t.isPersistent() && t.getInfo() instanceof Info info && NAME.equals(info.name())) {
                return t.getNextTimeout().toInstant();
            }
        }
        return null;
    }
}
