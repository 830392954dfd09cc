package org.aitbc.coordinator.infrastructure.observability;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.time.Instant;
import java.util.function.LongSupplier;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.storage.FileResultStore;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * The gauges of the coordinator as a whole: miners online (heartbeat or poll within one lease),
 * the sweeper's last successful run on this server and whether this server runs it (leads), and
 * the free and total bytes of the file system holding the results folder. Database reads are
 * cached for a few seconds, so that frequent scrapes cost little; a failed read answers NaN
 * rather than a stale figure.
 */
@ApplicationScoped
public class OperationsGauges {
    private static final long CACHE_MS = 5_000;

    @Inject
    MetricRegistry registry;

    @Inject
    CoordinatorConfig config;

    @Inject
    SweepStatus sweeps;

    @Inject
    FileResultStore results;

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    private volatile double online = Double.NaN;
    private volatile long onlineReadAt;

    @PostConstruct
    void register() {
        gauge("aitbc.miners.online", "Miners whose last heartbeat or poll is within one lease", this::onlineMiners);
        gauge(
                "aitbc.sweeper.last.run.timestamp.seconds",
                "Unix time of this server's last successful lease sweep (0: it never ran one)",
                () -> {
                    Instant last = sweeps.lastRun();
                    return last == null ? 0 : last.toEpochMilli() / 1000.0;
                });
        gauge(
                "aitbc.sweeper.leader",
                "1 when this server ran the lease sweeper within aitbc.health.sweeper.stale.seconds (it leads), else 0",
                () -> {
                    Instant last = sweeps.lastRun();
                    return last != null
                                    && last.plusSeconds(config.sweeperStaleSeconds())
                                            .isAfter(Instant.now())
                            ? 1
                            : 0;
                });
        gauge("aitbc.results.storage.free.bytes", "Bytes free for the results folder", () -> space(true));
        gauge(
                "aitbc.results.storage.total.bytes",
                "Bytes of the file system holding the results folder",
                () -> space(false));
    }

    /** Registered at start-up: a scrape before the first request already sees them. */
    void atStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        // Observing the event is what creates the bean, and its @PostConstruct registers the gauges.
    }

    private void gauge(String name, String description, java.util.function.DoubleSupplier value) {
        registry.gauge(
                Metadata.builder().withName(name).withDescription(description).build(), value::getAsDouble);
    }

    double onlineMiners() {
        long now = System.currentTimeMillis();
        if (now - onlineReadAt > CACHE_MS) {
            synchronized (this) {
                if (now - onlineReadAt > CACHE_MS) {
                    online = read(() -> em.createQuery(
                                    "SELECT COUNT(m) FROM Miner m WHERE m.lastSeenMs >= :since", Long.class)
                            .setParameter("since", now - config.lease().toMillis())
                            .getSingleResult());
                    onlineReadAt = now;
                }
            }
        }
        return online;
    }

    private static double read(LongSupplier query) {
        try {
            return query.getAsLong();
        } catch (RuntimeException e) {
            return Double.NaN;
        }
    }

    private double space(boolean free) {
        try {
            FileStore store = Files.getFileStore(results.root());
            return free ? store.getUsableSpace() : store.getTotalSpace();
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }
}
