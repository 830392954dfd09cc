package org.aitbc.coordinator.infrastructure.persistence;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A circuit breaker for the database, one per server. Anything that finds the database
 * unreachable opens it ({@link #failed}); while it is open, requests are answered 503 at once
 * instead of each waiting for its own connection attempt to fail. Requests never probe (a client
 * sending one request at a time would then wait for every probe); the server's own background
 * work does: the leadership renewal, which every server runs every few seconds, and the
 * readiness check close it ({@link #succeeded}) as soon as they reach the database again.
 */
public final class DatabaseCircuit {
    /** The one circuit of this server. */
    public static final DatabaseCircuit INSTANCE = new DatabaseCircuit();

    /** When it opened; 0 while closed. */
    private final AtomicLong openedMs = new AtomicLong();

    DatabaseCircuit() {}

    /** The database could not be reached. */
    public void failed() {
        openedMs.compareAndSet(0, System.currentTimeMillis());
    }

    /** The database answered. */
    public void succeeded() {
        openedMs.set(0);
    }

    /** Whether requests should be answered 503 without trying the database. */
    public boolean isOpen() {
        return openedMs.get() != 0;
    }
}
