package org.aitbc.coordinator.application;

import jakarta.annotation.Resource;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.PersistenceException;
import java.time.Instant;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Miner;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.infrastructure.persistence.TransientFailures;

/**
 * Claims one job for one miner. The claim is a single conditional update in the database
 * ({@code UPDATE JOB ... WHERE ID = ? AND VERSION = ?}, through the entity's version): of two
 * miners that read the same pending job, exactly one update matches; the other's transaction
 * rolls back and it tries the next candidate. No lock or queue in memory decides who wins, so
 * this holds across servers sharing one database.
 */
@Stateless
public class JobClaimer {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    JobRepository jobs;

    @Inject
    CoordinatorConfig config;

    @Resource
    SessionContext context;

    /** The job now assigned to the miner, or null when another miner got it first. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public Job claim(String jobId, String minerId) {
        Job job = jobs.find(jobId);
        if (job == null || job.getState() != JobState.PENDING) {
            return null;
        }
        Instant now = JobService.now();
        job.assign(minerId, now, now.plus(config.lease()));
        try {
            jobs.saveEvents(job);
            em.flush();
            return job;
        } catch (PersistenceException e) {
            if (TransientFailures.isConflict(e)) {
                // Another miner's claim won (version changed), or the database chose this
                // transaction as a deadlock victim: either way this job is not ours.
                context.setRollbackOnly();
                return null;
            }
            throw e;
        }
    }

    /**
     * The miner row for this id, created on first sight. A miner id belongs to the account that
     * first used it; another account gets 403 and cannot act under it.
     */
    public Miner minerFor(Caller caller, String minerId) {
        Miner miner = em.find(Miner.class, minerId);
        if (miner == null) {
            miner = new Miner(minerId, caller.accountId(), JobService.now());
            em.persist(miner);
            return miner;
        }
        if (!miner.getAccountId().equals(caller.accountId())) {
            throw new CoordinatorException(
                    Kind.FORBIDDEN, "FORBIDDEN", "miner id " + minerId + " belongs to another account");
        }
        return miner;
    }
}
