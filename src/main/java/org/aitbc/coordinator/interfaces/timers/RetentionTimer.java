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
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.PacedBatches;
import org.aitbc.coordinator.application.ResultService;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.ClusterLocks;

/**
 * Deletes results past their plan's retention, and uploaded input files nobody needs any more
 * (InputFileService), on a persistent EJB interval timer
 * ({@code aitbc.retention.sweep.interval.seconds}). Each batch of
 * {@code aitbc.retention.batch.size} results is its own short transaction, so API traffic is
 * never blocked for long, and the batches are paced to {@code aitbc.retention.per.second}
 * ({@link PacedBatches}); a catch-up run after downtime or two servers purging at once delete
 * each result once, because every job is locked and re-checked.
 */
@Singleton
@Startup
public class RetentionTimer {
    private static final Logger LOG = Logger.getLogger(RetentionTimer.class.getName());
    static final String NAME = "aitbc-retention-purge";
    private static final int MAX_BATCHES_PER_RUN = 1000;

    @Resource
    TimerService timerService;

    @EJB
    ResultService results;

    @EJB
    org.aitbc.coordinator.application.InputFileService inputFiles;

    @Inject
    CoordinatorConfig config;

    @EJB
    ClusterLocks locks;

    /** Finds or creates the timer under a cluster lock, so that servers starting together create one. */
    @PostConstruct
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    void schedule() {
        locks.hold(NAME);
        long interval = config.retentionSweepIntervalSeconds() * 1000L;
        boolean found = false;
        for (Timer t : timerService.getTimers()) {
            if (t.getInfo() instanceof SweepTimer.Info info && NAME.equals(info.name())) {
                if (info.intervalMs() == interval && !found) {
                    found = true;
                } else {
                    t.cancel();
                }
            }
        }
        if (!found) {
            timerService.createIntervalTimer(
                    interval, interval, new TimerConfig(new SweepTimer.Info(NAME, interval), true));
            LOG.info(() -> "retention purge scheduled every " + interval + " ms");
        }
    }

    @Timeout
    @Lock(LockType.WRITE)
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    void run(Timer timer) {
        long total = 0;
        try {
            // Paced (aitbc.retention.per.second) and ending before the next run is due, which then
            // continues: a purge of many results is spread out instead of a burst readers feel.
            PacedBatches pace = new PacedBatches(
                    config.retentionBatchSize(), config.retentionPerSecond(), System::currentTimeMillis, Thread::sleep);
            total = pace.run(results::purgeExpiredBatch, Math.max(1000, timer.getTimeRemaining() - 1000));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "retention purge failed; the next run continues: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            for (int i = 0; i < MAX_BATCHES_PER_RUN; i++) {
                if (inputFiles.purgeExpiredBatch(config.retentionBatchSize()) < config.retentionBatchSize()) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "input file purge failed; the next run continues: " + e.getMessage());
        }
        if (total > 0) {
            long purged = total;
            LOG.info(() -> "retention purge deleted the results of " + purged + " jobs");
        }
    }
}
