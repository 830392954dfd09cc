package org.aitbc.coordinator.application;

import jakarta.annotation.Priority;
import jakarta.annotation.Resource;
import jakarta.ejb.EJBException;
import jakarta.interceptor.AroundInvoke;
import jakarta.interceptor.Interceptor;
import jakarta.interceptor.InvocationContext;
import jakarta.transaction.TransactionSynchronizationRegistry;
import org.aitbc.coordinator.infrastructure.persistence.TransientFailures;

/**
 * Runs a {@link RetryOnConflict} use case again when its transaction lost a lock or version race
 * (deadlock victim, lock timeout, serialization failure, a row a concurrent insert won, as
 * {@link TransientFailures#isConflict} classifies them): the transaction rolled back, so a rerun
 * sees the winner's result and decides afresh. At most {@value #TRIES} tries with a short jittered
 * pause between them; after the last the conflict goes on to the edge, which answers 503
 * {@code CONFLICT_RETRY} with Retry-After.
 *
 * <p>Where it is bound, and why there: an interceptor on an EJB runs inside the EJB's
 * container-managed transaction, so it could only rerun the method in a transaction already
 * marked for rollback, and it never sees a failure at commit, which comes after it returned. It
 * is bound instead to {@link JobCommands} and {@link MinerCommands}, CDI beans without a
 * transaction whose every method makes one call to a transactional EJB method: by the time the
 * EJBException reaches this interceptor, the container has ended that try's transaction, and the
 * next try begins a new one. Not on the JAX-RS resources: most of their methods read the request
 * body, a stream that a rerun could not read again, and an upload's retried step sits inside a
 * use case of its own ({@link ResultUploads}). Enabled for the whole application by its
 * {@link Priority}, so no beans.xml lists it.
 */
@Interceptor
@RetryOnConflict
@Priority(Interceptor.Priority.APPLICATION)
public class ConflictRetry {
    static final int TRIES = 4;

    @Resource(lookup = "java:comp/TransactionSynchronizationRegistry")
    TransactionSynchronizationRegistry transactions;

    @AroundInvoke
    public Object retry(InvocationContext call) throws Exception {
        if (transactions.getTransactionKey() != null) {
            // Called inside a transaction: the EJB would join it, so a rerun could not start afresh.
            return call.proceed();
        }
        for (int attempt = 1; ; attempt++) {
            try {
                return call.proceed();
            } catch (EJBException e) {
                if (attempt >= TRIES || !TransientFailures.isConflict(e)) {
                    throw e;
                }
                try {
                    Thread.sleep(5L * attempt + (long) (Math.random() * 10));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
