package org.aitbc.coordinator.interfaces.timers;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.DependsOn;
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
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.Leadership;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Every server's own clock for the leadership lease: a non-persistent interval timer (one per
 * server, gone with it) that renews the lease or tries to take it over every
 * {@code aitbc.leader.renew.seconds}. The first renewal runs at start-up, so a single server
 * leads before it serves requests; at a clean shutdown the lease is given up, so another server
 * takes over at its next tick instead of waiting for the lease to expire.
 */
@Singleton
@Startup
// Destroyed before Leadership, so that stop() can still give the lease up: otherwise a restart
// waits for the lease to expire and is not seen as the vacancy that extends miners' leases.
@DependsOn("Leadership")
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class LeaderTimer {
    private static final Logger LOG = Logger.getLogger(LeaderTimer.class.getName());

    @Resource
    TimerService timerService;

    @EJB
    Leadership leadership;

    @Inject
    CoordinatorConfig config;

    @PostConstruct
    void start() {
        tickSafely();
        long period = config.leaderRenew().toMillis();
        timerService.createIntervalTimer(period, period, new TimerConfig("aitbc-leader-renewal", false));
        LOG.info(() -> "leadership renewal every " + period + " ms, lease "
                + config.leaderLease().toMillis() + " ms, as " + leadership.me());
    }

    @Timeout
    void run(Timer timer) {
        tickSafely();
    }

    private void tickSafely() {
        try {
            leadership.tick();
        } catch (RuntimeException e) {
            // The next tick tries again; a failing renewal must not cancel the timer.
            LOG.log(Level.WARNING, "leadership renewal failed: " + e.getMessage());
        }
    }

    @PreDestroy
    void stop() {
        leadership.release();
    }
}
