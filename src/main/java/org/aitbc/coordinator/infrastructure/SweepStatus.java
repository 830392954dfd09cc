package org.aitbc.coordinator.infrastructure;

import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;

/** When this server last ran the sweeper, for health checks and logs. */
@ApplicationScoped
public class SweepStatus {
    private volatile Instant lastRun;
    private volatile long totalChanged;

    public void swept(Instant at, int changed) {
        lastRun = at;
        totalChanged += changed;
    }

    public Instant lastRun() {
        return lastRun;
    }

    public long totalChanged() {
        return totalChanged;
    }
}
