package org.aitbc.coordinator.interfaces.timers;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.ejb.Lock;
import jakarta.ejb.LockType;
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
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.LeaseSweeper;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.SweepStatus;
import org.aitbc.coordinator.infrastructure.persistence.ClusterLocks;

/**
 * Runs the {@link LeaseSweeper} on a persistent EJB interval timer. The timer lives in the
 * database, so it survives restarts and exists once however many servers share the database:
 * at start-up each server looks for it under a {@link ClusterLocks cluster lock}, so servers
 * starting together take turns and only the first creates it. On PostgreSQL, Liberty's failover
 * ({@code missedTaskThreshold}, liberty/db/postgresql.xml) lets another server take the timer
 * over when the one running it dies. A run missed while every server was down is made up once
 * ({@code missedPersistentTimerAction} in server.xml). When the configured interval changes, the
 * timer is replaced at start-up.
 */
@Singleton
@Startup
public class SweepTimer {
    private static final Logger LOG = Logger.getLogger(SweepTimer.class.getName());
    static final String NAME = "aitbc-lease-sweeper";

    @Resource
    TimerService timerService;

    @EJB
    LeaseSweeper sweeper;

    @Inject
    CoordinatorConfig config;

    @Inject
    SweepStatus status;

    /** What the timer carries: its name and interval, to recognise it after a restart. */
    public record Info(String name, long intervalMs) implements Serializable {}

    @EJB
    ClusterLocks locks;

    /**
     * Finds or creates the timer, in one transaction that holds the cluster lock: a server that
     * starts while another is doing this waits, then finds the timer the other created.
     */
    @PostConstruct
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    void schedule() {
        long waitStart = System.nanoTime();
        locks.hold(NAME);
        long waitedMs = (System.nanoTime() - waitStart) / 1_000_000;
        LOG.info(() -> "timer set-up lock taken after " + waitedMs + " ms");
        long interval = config.sweepIntervalSeconds() * 1000L;
        Instant lastKnownNext = null;
        boolean found = false;
        for (Timer t : timerService.getTimers()) {
            if (t.getInfo() instanceof Info info && NAME.equals(info.name())) {
                Instant next = t.getNextTimeout().toInstant();
                lastKnownNext = lastKnownNext == null || next.isAfter(lastKnownNext) ? next : lastKnownNext;
                if (info.intervalMs() == interval && !found) {
                    found = true;
                } else {
                    t.cancel();
                }
            }
        }
        if (sweeperStalled(lastKnownNext, interval)) {
            sweeper.graceAfterDowntime();
        } else {
            LOG.info("the lease sweeper is running on another server: leases keep their deadlines");
        }
        if (!found) {
            timerService.createIntervalTimer(interval, interval, new TimerConfig(new Info(NAME, interval), true));
            LOG.info(() -> "lease sweeper scheduled every " + interval + " ms");
        }
    }

    /**
     * Whether nobody has been sweeping: no timer yet, or its next run is overdue by more than an
     * interval (and a few seconds of slack). That is the case after the coordinator as a whole
     * was down, when miners could not renew their leases and deserve a fresh lease period; a
     * server joining a running cluster finds the timer on time and leaves deadlines alone.
     */
    public static boolean sweeperStalled(Instant next, long intervalMs) {
        if (next == null) {
            return true;
        }
        long slackMs = Math.max(3000L, intervalMs);
        return next.plusMillis(slackMs).isBefore(Instant.now());
    }

    @Timeout
    @Lock(LockType.WRITE)
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    void run(Timer timer) {
        try {
            int changed = sweeper.sweep();
            status.swept(Instant.now(), changed);
        } catch (RuntimeException e) {
            // The next run tries again; a failing sweep must not cancel the timer.
            LOG.log(Level.WARNING, "lease sweep failed: " + e.getMessage());
        }
    }

    /** When the timer fires next, as stored in the database; null when it does not exist. */
    @Lock(LockType.READ)
    public Instant nextRun() {
        for (Timer t : timerService.getTimers()) {
            if (t.getInfo() instanceof Info info && NAME.equals(info.name())) {
                return t.getNextTimeout().toInstant();
            }
        }
        return null;
    }
}
