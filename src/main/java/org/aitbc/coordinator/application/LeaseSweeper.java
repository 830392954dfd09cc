package org.aitbc.coordinator.application;

import jakarta.annotation.Resource;
import jakarta.ejb.EJBException;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.logging.Logger;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.LogFields;
import org.aitbc.coordinator.infrastructure.observability.Metrics;
import org.aitbc.coordinator.infrastructure.persistence.JobLeases;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.infrastructure.persistence.TransientFailures;

/**
 * Enforces deadlines: leases not renewed in time (requeue, or {@code MINER_LOST} after the last
 * attempt), run timeouts ({@code TIMEOUT}) and claim windows ({@code EXPIRED}). Each job is
 * handled in its own short transaction under a row lock, and the deadline is checked again
 * under that lock, so two sweeps at once, or a sweep racing a miner's write, do no harm. Only
 * the {@link Leadership leader} sweeps, and each job's transaction is fenced by its epoch: a
 * server that lost the leadership while paused changes nothing when it resumes. The overdue jobs
 * are taken in paced batches ({@link PacedBatches}, {@code aitbc.sweep.per.second}): a run that
 * finds more than its budget stops before the next run is due, and that run continues.
 */
@Stateless
public class LeaseSweeper {
    private static final Logger LOG = Logger.getLogger(LeaseSweeper.class.getName());

    @Inject
    JobRepository jobs;

    @Inject
    JobLeases leases;

    @Inject
    CoordinatorConfig config;

    @Inject
    Metrics metrics;

    @Resource
    SessionContext context;

    @jakarta.ejb.EJB
    ResultService results;

    @Inject
    Retries retries;

    @Inject
    org.aitbc.coordinator.infrastructure.persistence.Spending spending;

    @jakarta.ejb.EJB
    Leadership leadership;

    /** At start-up: leases that ran out while the coordinator was down get a fresh lease period. */
    public int graceAfterDowntime() {
        int n = leases.extendAllLeases(JobService.now().plus(config.lease()).toEpochMilli());
        if (n > 0) {
            LOG.info(() -> n + " leases extended after start-up, so miners can renew them");
        }
        return n;
    }

    /** One sweep, if this server leads; returns how many jobs it changed (0 when it does not lead). */
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public int sweep() {
        if (!leadership.leads()) {
            return 0;
        }
        LeaseSweeper self = context.getBusinessObject(LeaseSweeper.class);
        int[] changed = {0};
        boolean[] fencedOff = {false};
        // Paced (aitbc.sweep.per.second): 10,000 leases lost at once are requeued over seconds, not in
        // one burst of commits that readers feel; a run ends before the next one is due, which continues.
        PacedBatches pace = new PacedBatches(
                config.sweepBatchSize(), config.sweepPerSecond(), System::currentTimeMillis, Thread::sleep);
        try {
            pace.run(
                    size -> {
                        List<String> due = leases.overdue(JobService.now().toEpochMilli(), size);
                        for (String id : due) {
                            try {
                                var done = leadership.fenced("sweep", id, () -> self.sweepOne(id) ? 1 : 0);
                                if (done.isEmpty()) {
                                    fencedOff[0] = true;
                                    return 0; // not (or no longer) the leader: nothing more is written
                                }
                                changed[0] += done.getAsInt();
                            } catch (EJBException e) {
                                if (!TransientFailures.isConflict(e)) {
                                    throw e;
                                }
                                // A miner or client changed this job at the same moment; the next sweep re-checks it.
                            }
                        }
                        return due.size();
                    },
                    Math.max(1000L, config.sweepIntervalSeconds() * 1000L - 500));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return changed[0];
        }
        if (fencedOff[0]) {
            return changed[0];
        }
        // Running jobs with a max_cost: stopped once their cost so far reaches it.
        for (String id : spending.cappedRunning(config.sweepBatchSize())) {
            try {
                if (self.sweepOne(id)) {
                    changed[0]++;
                }
            } catch (EJBException e) {
                if (!TransientFailures.isConflict(e)) {
                    throw e;
                }
            }
        }
        return changed[0];
    }

    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public boolean sweepOne(String id) {
        Instant now = JobService.now();
        // Null too while another transaction writes it (a miner's call, or a hung server's): next run.
        Job job = jobs.lockUnlessHeld(id);
        if (job == null) {
            return false;
        }
        JobState before = job.getState();
        boolean heldByMiner = job.getMinerId() != null;
        if (job.isUnclaimedTooLong(now)) {
            job.expireUnclaimed(now);
        } else if (job.isPastTimeout(now)) {
            job.timeOut(now);
        } else if (job.isLeaseExpired(now)) {
            // The back-off counts from the miner's last sign of life, its last renewal.
            Instant lastRenewal = job.getLeaseExpiresAt().minus(config.lease());
            job.leaseExpired(config.maxAttempts(), retries.notBefore(job.getAttempt(), lastRenewal), now);
        } else if (job.isOverMaxCost(now)) {
            job.enforceMaxCost(now);
        } else {
            return false;
        }
        jobs.saveEvents(job);
        if (before != JobState.PENDING && job.getState() == JobState.PENDING) {
            metrics.requeued();
        }
        if (job.getState().isFinal()) {
            metrics.ended(job);
            if (heldByMiner) {
                // Whatever the miner uploaded before it was lost or stopped stays downloadable.
                results.seal(job);
            }
        }
        try (var fields = LogFields.scope(id, job.getMinerId(), job.getClientId())) {
            LOG.info(() ->
                    "job " + id + " " + before.wire() + " -> " + job.getState().wire()
                            + (job.getErrorCode() != null && job.getState() == JobState.FAILED
                                    ? " (" + job.getErrorCode() + ")"
                                    : ""));
        }
        return true;
    }
}
