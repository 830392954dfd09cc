package org.aitbc.coordinator.infrastructure;

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

/**
 * Runs the {@link LeaseSweeper} on a persistent EJB interval timer. The timer lives in the
 * database, so it survives restarts and exists once however many servers share the database;
 * a run missed while the server was down is made up once ({@code missedPersistentTimerAction}
 * in server.xml). When the configured interval changes, the timer is replaced at start-up.
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
    public record Info(String name, long intervalMs) implements Serializable {
    }

    @PostConstruct
    void schedule() {
        sweeper.graceAfterDowntime();
        long interval = config.sweepIntervalSeconds() * 1000L;
        boolean found = false;
        for (Timer t : timerService.getTimers()) {
            if (t.getInfo() instanceof Info info && NAME.equals(info.name())) {
                if (info.intervalMs() == interval && !found) {
                    found = true;
                } else {
                    t.cancel();
                }
            }
        }
        if (!found) {
            timerService.createIntervalTimer(interval, interval, new TimerConfig(new Info(NAME, interval), true));
            LOG.info(() -> "lease sweeper scheduled every " + interval + " ms");
        }
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
