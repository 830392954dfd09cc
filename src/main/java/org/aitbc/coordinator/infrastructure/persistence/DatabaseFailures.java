package org.aitbc.coordinator.infrastructure.persistence;

import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

/**
 * Recognises failures that mean "the database cannot be reached right now" (refused or broken
 * connections, a database shutting down or starting, no free connection in the pool) as opposed
 * to a fault in the request: the API answers those 503 {@code DATABASE_UNAVAILABLE} with
 * Retry-After, and they are never retried as if they were lost races.
 */
public final class DatabaseFailures {
    private DatabaseFailures() {}

    public static boolean isUnavailable(Throwable e) {
        int depth = 0;
        for (Throwable t = e; t != null && depth < 30; t = t.getCause() == t ? null : t.getCause(), depth++) {
            if (t instanceof SQLNonTransientConnectionException
                    || t instanceof SQLTransientConnectionException
                    || t instanceof SQLRecoverableException
                    || t instanceof ConnectException) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                String state = sql.getSQLState();
                // 08: connection exception; 57P01-57P03: administrator or crash shutdown, cannot
                // connect now; 53300: too many connections.
                if (state.startsWith("08") || state.startsWith("57P") || "53300".equals(state)) {
                    return true;
                }
            }
            // Liberty's own: a pooled connection that went stale, or no connection free in time.
            String name = t.getClass().getSimpleName();
            if (name.equals("StaleConnectionException") || name.equals("ConnectionWaitTimeoutException")) {
                return true;
            }
        }
        return false;
    }
}
