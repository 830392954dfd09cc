package org.aitbc.coordinator.infrastructure.feed;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * What the {@link EventFeed} reports at {@code /metrics} about gaps in the event ids: ids skipped
 * as never committed, and events that committed after their id had been skipped (delivered late).
 * Registered at start-up, so that both read zero before the first gap rather than nothing.
 */
@ApplicationScoped
public class GapMetrics {
    @Inject
    MetricRegistry registry;

    private Counter gapIds;
    private Counter late;

    @PostConstruct
    void init() {
        gapIds = counter(
                "aitbc.ws.feed.gap.ids.skipped",
                "Event ids the feed skipped as never committed (rolled back or unused)");
        late = counter(
                "aitbc.ws.feed.events.late",
                "Events that committed after their id had been skipped; delivered out of order");
    }

    void atStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        gapIds.getCount();
    }

    private Counter counter(String name, String description) {
        return registry.counter(
                Metadata.builder().withName(name).withDescription(description).build());
    }

    void gapsSkipped(long ids) {
        gapIds.inc(ids);
    }

    void late(int events) {
        late.inc(events);
    }
}
