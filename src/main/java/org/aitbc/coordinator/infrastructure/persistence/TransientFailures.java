package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.persistence.LockTimeoutException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PessimisticLockException;
import java.sql.SQLException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientException;

/**
 * Recognises failures that mean "another transaction got there first" (deadlock victim, lock
 * timeout, serialization failure, lost optimistic check) rather than a fault: the work can be
 * retried, or treated as a lost race. A duplicate key (23505) counts too: a concurrent
 * transaction inserted the same row first.
 */
public final class TransientFailures {
    private TransientFailures() {}

    public static boolean isConflict(Throwable e) {
        if (DatabaseFailures.isUnavailable(e)) {
            // A lost connection is an outage, not a race: retrying at once would not help.
            return false;
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof OptimisticLockException
                    || t instanceof PessimisticLockException
                    || t instanceof LockTimeoutException
                    || t instanceof SQLTransactionRollbackException
                    || t instanceof SQLTransientException
                    // The container rolled the transaction back at commit (e.g. it waited too long
                    // for a lock): nothing was changed, so running it again is safe.
                    || t instanceof jakarta.ejb.EJBTransactionRolledbackException
                    || t instanceof jakarta.transaction.RollbackException) {
                return true;
            }
            if (t instanceof SQLException sql
                    && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("40")
                            || "55P03".equals(sql.getSQLState())
                            || "23505".equals(sql.getSQLState()))) {
                return true;
            }
            if (t.getClass().getName().endsWith("OptimisticLockException")) {
                return true;
            }
        }
        return false;
    }
}
