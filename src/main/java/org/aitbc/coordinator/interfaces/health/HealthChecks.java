package org.aitbc.coordinator.interfaces.health;

import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.SweepStatus;
import org.aitbc.coordinator.interfaces.timers.SweepTimer;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/**
 * What {@code /health} reports. Ready: the database answers a query. Live: the lease sweeper's
 * timer exists and is not overdue (its next run, as stored in the database, is not far in the
 * past), so a stalled sweeper is noticed whichever server owns the timer. Started: the
 * application is deployed.
 */
@ApplicationScoped
public class HealthChecks {
    @Resource(lookup = "jdbc/aitbc")
    DataSource dataSource;

    @EJB
    SweepTimer sweepTimer;

    @Inject
    SweepStatus sweepStatus;

    @Inject
    CoordinatorConfig config;

    @Produces
    @Readiness
    HealthCheck database() {
        return () -> {
            long start = System.nanoTime();
            try (Connection c = dataSource.getConnection();
                    PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM ACCOUNT WHERE 1 = 0")) {
                ps.setQueryTimeout(5);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                }
                return HealthCheckResponse.named("database")
                        .up()
                        .withData("latency_ms", (System.nanoTime() - start) / 1_000_000)
                        .build();
            } catch (Exception e) {
                return HealthCheckResponse.named("database")
                        .down()
                        .withData("reason", "the database does not answer")
                        .build();
            }
        };
    }

    @Produces
    @Liveness
    HealthCheck sweeper() {
        return () -> {
            Instant next;
            try {
                next = nextSweep();
            } catch (RuntimeException e) {
                // Timer storage unreachable: that is the database's problem, which readiness reports.
                return HealthCheckResponse.named("lease-sweeper")
                        .up()
                        .withData("timer", "unknown")
                        .build();
            }
            Instant last = sweepStatus.lastRun();
            Duration stale = Duration.ofSeconds(config.sweeperStaleSeconds());
            boolean overdue = next != null && next.plus(stale).isBefore(Instant.now());
            return HealthCheckResponse.named("lease-sweeper")
                    .status(next != null && !overdue)
                    .withData("next_run", String.valueOf(next))
                    .withData("last_run_here", String.valueOf(last))
                    .withData("runs_here", sweepStatus.runs())
                    .build();
        };
    }

    /** The sweeper timer's next run and when it was read. */
    private record NextSweep(Instant next, long readAtMs) {}

    private final java.util.concurrent.atomic.AtomicReference<NextSweep> lastSweep =
            new java.util.concurrent.atomic.AtomicReference<>();

    /**
     * The timer's next run, read at most once a second: reading it loads every persistent timer from
     * the database and deserializes its info, which made GET /health/live cost as much as a job read
     * (docs/BENCHMARKS.md). A stall is measured in minutes; a second's delay changes nothing.
     */
    private Instant nextSweep() {
        NextSweep cached = lastSweep.get();
        long now = System.currentTimeMillis();
        if (cached != null && now - cached.readAtMs() < 1_000) {
            return cached.next();
        }
        Instant next = sweepTimer.nextRun();
        lastSweep.set(new NextSweep(next, now));
        return next;
    }

    @Produces
    @Startup
    HealthCheck started() {
        return () -> HealthCheckResponse.named("application").up().build();
    }
}
