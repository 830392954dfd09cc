package org.aitbc.coordinator.infrastructure.observability;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/** When this server last ran the sweeper, for health checks and logs. */
@ApplicationScoped
public class SweepStatus {
    private volatile Instant lastRun;
    private volatile long totalChanged;
    private volatile long runs;

    public void swept(Instant at, int changed) {
        lastRun = at;
        totalChanged += changed;
        runs++;
    }

    /** How many sweeps this server ran: with several servers, only the one holding the timer counts up. */
    public long runs() {
        return runs;
    }

    public Instant lastRun() {
        return lastRun;
    }

    public long totalChanged() {
        return totalChanged;
    }
}
