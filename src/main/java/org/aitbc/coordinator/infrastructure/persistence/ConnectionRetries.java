package org.aitbc.coordinator.infrastructure.persistence;

import org.eclipse.persistence.config.SessionCustomizer;
import org.eclipse.persistence.sessions.DatabaseLogin;
import org.eclipse.persistence.sessions.Session;

/**
 * How EclipseLink retries a read after a communication failure with the database (named in
 * persistence.xml as {@code eclipselink.session.customizer}; EclipseLink creates it once, when the
 * persistence unit is deployed).
 *
 * <p>EclipseLink's default is up to 3 retries, 5 s apart. Measured in the cluster test with
 * PostgreSQL stopped: the event feed's dispatcher and the webhook sender sat in that sleep
 * ({@code AbstractSession.retryQuery}, thread dumps), each read taking 10-15 s to fail; when the
 * database returned they noticed only when the sleep ended, 4.7-10 s later, and the first request
 * after the stop took 10 s to be answered. Here a read is retried once, at once, on a newly taken
 * connection: that still hides a pooled connection the outage broke (the pool hands out a fresh
 * one), and a database that is really away fails the read in milliseconds, so that the callers'
 * own schedules decide (the feed retries within a second, requests answer 503, the circuit in
 * {@link DatabaseCircuit}).
 */
public final class ConnectionRetries implements SessionCustomizer {
    /** One retry, on a new connection: enough for a connection broken before it was taken. */
    static final int RETRIES = 1;

    /**
     * No wait before it: a stopped database refuses a new connection at once, an unreachable host
     * within the driver's connectTimeout (liberty/db/postgresql.xml); waiting adds nothing.
     */
    static final int DELAY_MS = 0;

    @Override
    public void customize(Session session) {
        DatabaseLogin login = session.getLogin();
        login.setQueryRetryAttemptCount(RETRIES);
        login.setDelayBetweenConnectionAttempts(DELAY_MS);
    }
}
