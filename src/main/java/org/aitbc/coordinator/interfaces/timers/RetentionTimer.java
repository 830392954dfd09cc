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
import org.aitbc.coordinator.application.Leadership;
import org.aitbc.coordinator.application.PacedBatches;
import org.aitbc.coordinator.application.ResultService;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Deletes results past their plan's retention, uploaded input files nobody needs any more
 * (InputFileService) and ended webhook deliveries past {@code aitbc.webhooks.deliveries.retention}
 * (WebhookService), on a persistent EJB interval timer
 * ({@code aitbc.retention.sweep.interval.seconds}). Each batch of
 * {@code aitbc.retention.batch.size} results is its own short transaction, so API traffic is
 * never blocked for long, and the batches are paced to {@code aitbc.retention.per.second}
 * ({@link PacedBatches}). It is this server's own non-persistent timer, and purges only while
 * this server holds the {@link Leadership leadership} lease, each batch fenced by its epoch;
 * were two servers to purge at once anyway, each result is deleted once, because every job is
 * locked and re-checked.
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

    @EJB
    org.aitbc.coordinator.application.WebhookService webhooks;

    @Inject
    CoordinatorConfig config;

    @EJB
    Leadership leadership;

    /** Creates this server's timer, and cancels the persistent one of earlier versions. */
    @PostConstruct
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    void schedule() {
        SweepTimer.cancelPersistentTimers(timerService, NAME);
        long interval = config.retentionSweepIntervalSeconds() * 1000L;
        timerService.createIntervalTimer(
                interval, interval, new TimerConfig(new SweepTimer.Info(NAME, interval), false));
        LOG.info(() -> "retention purge runs every " + interval + " ms while this server leads");
    }

    @Timeout
    @Lock(LockType.WRITE)
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    void run(Timer timer) {
        if (!leadership.leads()) {
            return;
        }
        long total = 0;
        int size = config.retentionBatchSize();
        try {
            // Paced (aitbc.retention.per.second) and ending before the next run is due, which then
            // continues: a purge of many results is spread out instead of a burst readers feel.
            // A batch this server may no longer write (leadership lost) counts as none: the run ends.
            PacedBatches pace =
                    new PacedBatches(size, config.retentionPerSecond(), System::currentTimeMillis, Thread::sleep);
            total = pace.run(
                    batch -> leadership
                            .fenced("purge-results", null, () -> results.purgeExpiredBatch(batch))
                            .orElse(0),
                    Math.max(1000, timer.getTimeRemaining() - 1000));
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "retention purge failed; the next run continues: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            for (int i = 0; i < MAX_BATCHES_PER_RUN; i++) {
                var n = leadership.fenced("purge-inputs", null, () -> inputFiles.purgeExpiredBatch(size));
                if (n.isEmpty() || n.getAsInt() < size) {
                    break;
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "input file purge failed; the next run continues: " + e.getMessage());
        }
        try {
            // Ended webhook deliveries past aitbc.webhooks.deliveries.retention, paced and fenced as results.
            PacedBatches pace =
                    new PacedBatches(size, config.retentionPerSecond(), System::currentTimeMillis, Thread::sleep);
            long deliveries = pace.run(
                    batch -> leadership
                            .fenced("purge-deliveries", null, () -> webhooks.purgeEndedBatch(batch))
                            .orElse(0),
                    Math.max(1000, timer.getTimeRemaining() - 1000));
            if (deliveries > 0) {
                LOG.info(() -> "retention purge deleted " + deliveries + " ended webhook deliveries");
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "webhook delivery purge failed; the next run continues: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (total > 0) {
            long purged = total;
            LOG.info(() -> "retention purge deleted the results of " + purged + " jobs");
        }
    }
}
