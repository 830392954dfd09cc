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
import java.util.List;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Account;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Miner;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.infrastructure.persistence.TransientFailures;
import org.aitbc.coordinator.infrastructure.security.Ids;

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

    @Inject
    MinerSession session;

    @Inject
    Retries retries;

    /** The job now assigned to the miner, or null when another miner got it first. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public Job claim(String jobId, String minerId) {
        return claim(jobId, minerId, null);
    }

    /** As {@link #claim(String, String)}, recording the miner's session on the lease. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public Job claim(String jobId, String minerId, Integer session) {
        if (!jobs.lockIfFree(jobId)) {
            // Another miner's claim holds it (PostgreSQL's SKIP LOCKED): try the next candidate
            // instead of queueing behind that claim only to find the job taken.
            return null;
        }
        Job job = jobs.find(jobId);
        if (job == null || job.getState() != JobState.PENDING) {
            return null;
        }
        Instant now = JobService.now();
        if (!retries.mayClaim(job, minerId, now)) {
            // Still in its back-off, or this miner failed it and another miner can run it.
            return null;
        }
        job.assign(minerId, session, now, now.plus(config.lease()));
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
     * The miner a call acts as. {@code named} is the id the call names (null: none): a call that
     * names none acts as the one miner id its account registered, if it registered exactly one,
     * else as the account's own id. An id bound to another account is 403. An id nobody bound
     * yet is not bound by this call (only a registration or an admin binds one): the call acts
     * under it without a stored miner, so it cannot take the id from its future owner. The
     * account's own id gets its row on first use, as it is bound to the account by nature.
     * When the request names a session ({@link MinerSession}), it must be the miner's current
     * one: an earlier session's calls are 409 {@code LEASE_LOST}.
     */
    public Miner minerFor(Caller caller, String named) {
        String id = named != null ? named : remembered(caller);
        Miner miner = em.find(Miner.class, id);
        if (miner == null) {
            miner = new Miner(id, caller.accountId(), JobService.now());
            if (id.equals(caller.accountId())) {
                em.persist(miner);
            }
        } else if (!miner.getAccountId().equals(caller.accountId())) {
            throw taken(id);
        }
        String token = session.token();
        if (token != null && !miner.isCurrentSession(Ids.sha256Hex(token))) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "LEASE_LOST",
                    "the session named in X-Miner-Session is not the current session of miner " + id
                            + " (it registered again, or never started that session); register to start a new one");
        }
        return miner;
    }

    /**
     * The miner a registration is for, bound to the caller's account if nobody bound it yet.
     * An id that is another account's own id, or bound to another account, is 403.
     */
    public Miner bind(Caller caller, String named) {
        String id = named != null ? named : remembered(caller);
        Miner miner = em.find(Miner.class, id);
        if (miner == null) {
            if (!id.equals(caller.accountId()) && em.find(Account.class, id) != null) {
                throw taken(id);
            }
            miner = new Miner(id, caller.accountId(), JobService.now());
            em.persist(miner);
            return miner;
        }
        if (!miner.getAccountId().equals(caller.accountId())) {
            throw taken(id);
        }
        return miner;
    }

    /** The one miner id the account registered, or else the account's own id. */
    private String remembered(Caller caller) {
        List<String> ids = em.createQuery(
                        "SELECT m.id FROM Miner m WHERE m.accountId = :a AND m.sessionNo IS NOT NULL", String.class)
                .setParameter("a", caller.accountId())
                .setMaxResults(2)
                .getResultList();
        return ids.size() == 1 ? ids.get(0) : caller.accountId();
    }

    private static CoordinatorException taken(String minerId) {
        return new CoordinatorException(
                Kind.FORBIDDEN, "FORBIDDEN", "miner id " + minerId + " belongs to another account");
    }
}
