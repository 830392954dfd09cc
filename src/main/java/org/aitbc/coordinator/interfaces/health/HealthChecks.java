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
import org.aitbc.coordinator.application.Leadership;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.SweepStatus;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseCircuit;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseFailures;
import org.aitbc.coordinator.interfaces.timers.SweepTimer;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;
import org.eclipse.microprofile.health.Readiness;
import org.eclipse.microprofile.health.Startup;

/**
 * What {@code /health} reports. Ready: the database answers a query (which also closes or opens
 * the server's {@link DatabaseCircuit}). Live: this server's sweeper timer exists, its leadership
 * renewals keep running (each successful one finds a leader with a valid lease, this server or
 * another), and, when this server leads, its sweeps are not stalled. Started: the application
 * is deployed.
 */
@ApplicationScoped
public class HealthChecks {
    @Resource(lookup = "jdbc/aitbc")
    DataSource dataSource;

    @EJB
    SweepTimer sweepTimer;

    @Inject
    SweepStatus sweepStatus;

    @EJB
    Leadership leadership;

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
                DatabaseCircuit.INSTANCE.succeeded();
                return HealthCheckResponse.named("database")
                        .up()
                        .withData("latency_ms", (System.nanoTime() - start) / 1_000_000)
                        .build();
            } catch (Exception e) {
                if (DatabaseFailures.isUnavailable(e)) {
                    DatabaseCircuit.INSTANCE.failed();
                }
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
                return HealthCheckResponse.named("lease-sweeper")
                        .up()
                        .withData("timer", "unknown")
                        .build();
            }
            Instant last = sweepStatus.lastRun();
            long staleMs = Duration.ofSeconds(config.sweeperStaleSeconds()).toMillis();
            long now = System.currentTimeMillis();
            long tick = leadership.lastTickMs();
            // The renewal clock stopped, or this server leads and its sweeps stopped.
            boolean renewalsStalled = tick > 0 && tick + staleMs < now;
            boolean sweepsStalled = leadership.leads() && last != null && last.toEpochMilli() + staleMs < now;
            String holder = leadership.lastHolder();
            return HealthCheckResponse.named("lease-sweeper")
                    .status(next != null && !renewalsStalled && !sweepsStalled)
                    .withData("next_run", String.valueOf(next))
                    .withData("last_run_here", String.valueOf(last))
                    .withData("runs_here", sweepStatus.runs())
                    .withData("leader", holder == null ? "unknown" : holder)
                    .withData("leads", leadership.leads())
                    .withData("epoch", leadership.epoch())
                    .build();
        };
    }

    /** This server's sweeper timer's next run and when it was read. */
    private record NextSweep(Instant next, long readAtMs) {}

    private final java.util.concurrent.atomic.AtomicReference<NextSweep> lastSweep =
            new java.util.concurrent.atomic.AtomicReference<>();

    /** The timer's next run, read at most once a second (GET /health/live stays cheap). */
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
