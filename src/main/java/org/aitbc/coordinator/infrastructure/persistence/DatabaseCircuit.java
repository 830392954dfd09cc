package org.aitbc.coordinator.infrastructure.persistence;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A circuit breaker for the database, one per server. Anything that finds the database
 * unreachable opens it ({@link #failed}); while it is open, requests are answered 503 at once
 * instead of each waiting for its own connection attempt to fail, except one probe every
 * {@link #PROBE_MS} ms, which goes through to find out whether the database is back. Anything
 * that reaches the database closes it ({@link #succeeded}): a probe, the readiness check, or the
 * leadership renewal that every server runs every few seconds, so requests work again within
 * seconds of the database's return.
 */
public final class DatabaseCircuit {
    /** The one circuit of this server. */
    public static final DatabaseCircuit INSTANCE = new DatabaseCircuit(System::currentTimeMillis);

    static final long PROBE_MS = 1000;

    private final LongSupplier clock;
    /** When it opened; 0 while closed. */
    private final AtomicLong openedMs = new AtomicLong();

    private final AtomicLong lastProbeMs = new AtomicLong();

    DatabaseCircuit(LongSupplier clock) {
        this.clock = clock;
    }

    /** The database could not be reached. */
    public void failed() {
        long now = clock.getAsLong();
        if (openedMs.compareAndSet(0, now)) {
            // The next probe waits a full period: the failure just now was the probe.
            lastProbeMs.set(now);
        }
    }

    /** The database answered. */
    public void succeeded() {
        openedMs.set(0);
    }

    public boolean isOpen() {
        return openedMs.get() != 0;
    }

    /**
     * Whether a request may use the database now: always while closed; while open, one request
     * per probe period (which then closes or re-opens the circuit by its outcome).
     */
    public boolean allows() {
        if (openedMs.get() == 0) {
            return true;
        }
        long now = clock.getAsLong();
        long last = lastProbeMs.get();
        return now - last >= PROBE_MS && lastProbeMs.compareAndSet(last, now);
    }
}
