package org.aitbc.coordinator.infrastructure.observability;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseLogStore;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * {@code aitbc.logs.database.chunks}: the rows of live logs the database holds, for all jobs and
 * servers together, registered only when live logs live there ({@code aitbc.logs.store} is
 * {@code database}). Counted at most every few seconds, so that frequent scrapes cost little; a
 * failed count answers NaN rather than a stale figure.
 */
@ApplicationScoped
public class LiveLogGauges {
    private static final long CACHE_MS = 5_000;

    @Inject
    MetricRegistry registry;

    @Inject
    CoordinatorConfig config;

    @Inject
    Instance<DatabaseLogStore> rows;

    private volatile double chunks = Double.NaN;
    private volatile long readAt;

    @PostConstruct
    void register() {
        if (!config.logsStore().equals("database")) {
            return;
        }
        registry.gauge(
                Metadata.builder()
                        .withName("aitbc.logs.database.chunks")
                        .withDescription("Rows of live logs kept in the database (JOB_LOG_CHUNK), all jobs")
                        .build(),
                this::chunks);
    }

    /** Registered at start-up: a scrape before the first request already sees it. */
    void atStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        // Observing the event is what creates the bean, and its @PostConstruct registers the gauge.
    }

    double chunks() {
        long now = System.currentTimeMillis();
        if (now - readAt > CACHE_MS) {
            synchronized (this) {
                if (now - readAt > CACHE_MS) {
                    try {
                        chunks = rows.get().chunkRows();
                    } catch (RuntimeException e) {
                        chunks = Double.NaN;
                    }
                    readAt = now;
                }
            }
        }
        return chunks;
    }
}
