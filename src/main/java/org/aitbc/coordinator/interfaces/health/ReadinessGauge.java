package org.aitbc.coordinator.interfaces.health;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * {@code aitbc_ready}: 1 when this server's readiness check (the database answers) is up, 0 when
 * it is down, so that Prometheus, which scrapes {@code /metrics} and not {@code /health}, can alert
 * on it. The check runs at most every few seconds, whatever the scrape rate. A server that does not
 * answer at all is Prometheus's own {@code up == 0}.
 */
@ApplicationScoped
public class ReadinessGauge {
    private static final long CACHE_MS = 5_000;

    @Inject
    MetricRegistry registry;

    @Inject
    HealthChecks checks;

    private volatile double ready = Double.NaN;
    private volatile long readAt;

    @PostConstruct
    void register() {
        registry.gauge(
                Metadata.builder()
                        .withName("aitbc.ready")
                        .withDescription("1 when the readiness check (/health/ready) is up, 0 when it is down")
                        .build(),
                this::ready);
    }

    void atStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        // Observing the event is what creates the bean, and its @PostConstruct registers the gauge.
    }

    Double ready() {
        long now = System.currentTimeMillis();
        if (now - readAt > CACHE_MS) {
            synchronized (this) {
                if (now - readAt > CACHE_MS) {
                    HealthCheck check = checks.database();
                    ready = check.call().getStatus() == HealthCheckResponse.Status.UP ? 1 : 0;
                    readAt = now;
                }
            }
        }
        return ready;
    }
}
