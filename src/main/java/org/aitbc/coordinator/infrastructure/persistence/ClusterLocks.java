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

/**
 * Locks that span every server on the database: {@link #hold(String)} locks a {@link ClusterLock}
 * row until the caller's transaction ends, so that servers starting at the same moment run
 * "look for the timer, create it if missing" one after another instead of each creating one.
 */
@Stateless
public class ClusterLocks {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Resource
    SessionContext context;

    /** Waits for the named lock and holds it until the caller's transaction commits or rolls back. */
    @TransactionAttribute(TransactionAttributeType.MANDATORY)
    public void hold(String name) {
        if (em.find(ClusterLock.class, name, LockModeType.PESSIMISTIC_WRITE) != null) {
            return;
        }
        try {
            context.getBusinessObject(ClusterLocks.class).create(name);
        } catch (EJBException e) {
            if (!TransientFailures.isConflict(e)) {
                throw e;
            }
            // Another server inserted the row first: it exists now, which is all we need.
        }
        if (em.find(ClusterLock.class, name, LockModeType.PESSIMISTIC_WRITE) == null) {
            throw new IllegalStateException("cluster lock " + name + " could not be created");
        }
    }

    /** Inserts the lock row in its own transaction, so that losing the insert race harms nothing. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public void create(String name) {
        em.persist(new ClusterLock(name));
        em.flush();
    }
}
