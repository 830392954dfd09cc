package org.aitbc.coordinator.infrastructure.persistence;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ejb.EJBException;
import jakarta.persistence.OptimisticLockException;
import jakarta.persistence.PersistenceException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

/** Which failures count as "the database is unreachable" (503) rather than a lost race or a fault. */
class DatabaseFailuresTest {
    private static Throwable wrapped(Throwable cause) {
        // As the API sees it: an EJB exception around JPA's around the driver's.
        return new EJBException(new PersistenceException("Exception [EclipseLink-4002]", cause));
    }

    @Test
    void connectionFailuresBuriedInWrappersAreUnavailable() {
        assertTrue(DatabaseFailures.isUnavailable(wrapped(new SQLException("Connection refused", "08001"))));
        assertTrue(DatabaseFailures.isUnavailable(wrapped(new SQLException("I/O error", "08006"))));
        assertTrue(DatabaseFailures.isUnavailable(wrapped(new SQLException("terminating connection", "57P01"))));
        assertTrue(DatabaseFailures.isUnavailable(
                wrapped(new SQLException("the database system is starting up", "57P03"))));
        assertTrue(DatabaseFailures.isUnavailable(wrapped(new SQLException("too many clients", "53300"))));
        assertTrue(DatabaseFailures.isUnavailable(wrapped(new SQLNonTransientConnectionException("gone"))));
        assertTrue(DatabaseFailures.isUnavailable(wrapped(new SQLTransientConnectionException("pool timeout"))));
        assertTrue(
                DatabaseFailures.isUnavailable(wrapped(new SQLException("x", null, new ConnectException("refused")))));
    }

    @Test
    void racesAndFaultsAreNot() {
        assertFalse(DatabaseFailures.isUnavailable(wrapped(new SQLException("deadlock detected", "40P01"))));
        assertFalse(DatabaseFailures.isUnavailable(wrapped(new SQLException("duplicate key", "23505"))));
        assertFalse(DatabaseFailures.isUnavailable(new EJBException(new OptimisticLockException("version"))));
        assertFalse(DatabaseFailures.isUnavailable(new IllegalStateException("bug")));
        assertFalse(DatabaseFailures.isUnavailable(wrapped(new SQLException("syntax error", "42601"))));
    }

    @Test
    void anOutageIsNeverRetriedAsAConflict() {
        assertFalse(TransientFailures.isConflict(wrapped(new SQLTransientConnectionException("pool timeout"))));
        assertTrue(TransientFailures.isConflict(wrapped(new SQLException("deadlock detected", "40P01"))));
    }
}
