package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.annotation.Resource;
import jakarta.ejb.EJBException;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.util.List;
import java.util.function.IntSupplier;

/**
 * Reads and writes {@link LeaderLease} rows, always under the row's lock, and fences leaders'
 * writes by epoch. {@link #acquire} is each server's periodic renew-or-take-over;
 * {@link #fenced} runs one piece of a leader's work only while its epoch is current, holding the
 * lease row's lock until that work has committed, so a take-over (which needs the same lock)
 * can never slip in between the check and the write.
 *
 * <p>On PostgreSQL both transactions bound how long the lease row's lock can be held and waited
 * for: a leader frozen inside one of them (SIGSTOP, a hung JVM) would otherwise hold the lock
 * for as long as its connection lives, and no server could take over. Its session is ended
 * after {@value #IDLE_IN_TX} idle inside the transaction, and a server waits at most
 * {@value #LOCK_WAIT} for the lock (then tries again at its next renewal).
 */
@Stateless
public class LeaderLeases {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Resource
    SessionContext context;

    @jakarta.inject.Inject
    SqlDialect dialect;

    static final String IDLE_IN_TX = "10s";
    static final String LOCK_WAIT = "5s";

    private void boundLocks() {
        if (!dialect.isDerby()) {
            em.createNativeQuery("SET LOCAL idle_in_transaction_session_timeout = '" + IDLE_IN_TX + "'")
                    .executeUpdate();
            em.createNativeQuery("SET LOCAL lock_timeout = '" + LOCK_WAIT + "'").executeUpdate();
        }
    }

    /**
     * What a renew-or-take-over found: the epoch this server holds now (0: it follows), the
     * holder and expiry of the lease, and on a take-over whether nobody had led for a while.
     */
    public record Outcome(long epoch, String holder, long expiresMs, boolean tookOver, boolean afterVacancy) {
        public boolean leads() {
            return epoch > 0;
        }
    }

    /**
     * Renews {@code name} for {@code me} if it holds {@code myEpoch}, takes it over if it is free
     * or expired, else reports who holds it. {@code vacancyMs}: how long the lease must have been
     * expired at a take-over to count as a vacancy (everybody was down).
     */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public Outcome acquire(String name, String me, long myEpoch, long leaseMs, long vacancyMs) {
        boundLocks();
        LeaderLease lease = locked(name);
        long now = System.currentTimeMillis();
        switch (lease.decide(me, myEpoch, now)) {
            case RENEW -> {
                lease.renew(now + leaseMs);
                return new Outcome(lease.getEpoch(), me, lease.getExpiresMs(), false, false);
            }
            case TAKE_OVER -> {
                boolean vacancy = lease.unheldFor(vacancyMs, now);
                String previous = lease.getHolder() + " epoch " + lease.getEpoch();
                lease.takeOver(me, now, now + leaseMs);
                em.persist(new LeaderLogEntry(name, lease.getEpoch(), me, "acquired", "after " + previous, now));
                return new Outcome(lease.getEpoch(), me, lease.getExpiresMs(), true, vacancy);
            }
            default -> {
                return new Outcome(0, lease.getHolder(), lease.getExpiresMs(), false, false);
            }
        }
    }

    /** Gives the lease up (at shutdown), so another server need not wait for it to expire. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public void release(String name, String me, long myEpoch) {
        em.createQuery("UPDATE LeaderLease l SET l.expiresMs = 0 WHERE l.name = :n AND l.holder = :h AND l.epoch = :e")
                .setParameter("n", name)
                .setParameter("h", me)
                .setParameter("e", myEpoch)
                .executeUpdate();
    }

    /**
     * Runs {@code work} (which commits in a transaction of its own) only if {@code me} still holds
     * {@code name} under {@code epoch}: the check is an update of the lease row, whose lock is held
     * until the work is done. Logs the action in the epoch log when the work changed something
     * (returned more than 0). Throws {@link StaleEpochException}, with nothing done, otherwise.
     */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public int fenced(String name, String me, long epoch, String action, String subject, IntSupplier work) {
        boundLocks();
        int matched = em.createQuery("UPDATE LeaderLease l SET l.fencedWrites = l.fencedWrites + 1"
                        + " WHERE l.name = :n AND l.holder = :h AND l.epoch = :e")
                .setParameter("n", name)
                .setParameter("h", me)
                .setParameter("e", epoch)
                .executeUpdate();
        if (matched == 0) {
            throw new StaleEpochException(name, epoch);
        }
        int changed = work.getAsInt();
        if (changed > 0) {
            em.persist(new LeaderLogEntry(
                    name,
                    epoch,
                    me,
                    action,
                    subject == null ? changed + " changed" : subject,
                    System.currentTimeMillis()));
        }
        return changed;
    }

    /** The lease as stored now, without a lock; null before any server took it. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public LeaderLease read(String name) {
        return em.find(LeaderLease.class, name);
    }

    /** The epoch log in id order, from {@code afterId}, at most {@code max} rows (for tests and operators). */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public List<LeaderLogEntry> log(String name, long afterId, int max) {
        return em.createQuery(
                        "SELECT e FROM LeaderLogEntry e WHERE e.name = :n AND e.id > :a ORDER BY e.id",
                        LeaderLogEntry.class)
                .setParameter("n", name)
                .setParameter("a", afterId)
                .setMaxResults(max)
                .getResultList();
    }

    /** Deletes epoch log rows written before {@code beforeMs}; returns how many. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public int purgeLog(long beforeMs) {
        return em.createQuery("DELETE FROM LeaderLogEntry e WHERE e.atMs < :t")
                .setParameter("t", beforeMs)
                .executeUpdate();
    }

    private LeaderLease locked(String name) {
        LeaderLease lease = em.find(LeaderLease.class, name, LockModeType.PESSIMISTIC_WRITE);
        if (lease != null) {
            return lease;
        }
        try {
            context.getBusinessObject(LeaderLeases.class).create(name);
        } catch (EJBException e) {
            if (!TransientFailures.isConflict(e)) {
                throw e;
            }
            // Another server inserted the row first: it exists now, which is all we need.
        }
        lease = em.find(LeaderLease.class, name, LockModeType.PESSIMISTIC_WRITE);
        if (lease == null) {
            throw new IllegalStateException("leader lease " + name + " could not be created");
        }
        return lease;
    }

    /** Inserts the lease row in its own transaction, so that losing the insert race harms nothing. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public void create(String name) {
        em.persist(new LeaderLease(name));
        em.flush();
    }
}
