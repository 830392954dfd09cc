package org.aitbc.coordinator.interfaces.ws;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.function.Supplier;
import org.aitbc.coordinator.infrastructure.feed.EventFeed;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Histogram;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * What the WebSocket feed reports at {@code /metrics}: open sessions, events delivered, the delivery
 * lag of live events (from the change to the message leaving the server), resyncs of clients that
 * fell behind, and gaps in the event ids skipped or filled late.
 */
@ApplicationScoped
public class FeedMetrics implements EventFeed.Counters {
    @Inject
    MetricRegistry registry;

    private Counter delivered;
    private Counter resyncs;
    private Counter gapIds;
    private Counter late;
    private Histogram lag;

    @PostConstruct
    void init() {
        delivered = counter("aitbc.ws.events.delivered", "Job events sent to WebSocket clients (live and replayed)");
        resyncs = counter("aitbc.ws.resyncs", "WebSocket clients closed with a resync message because they fell too far behind");
        gapIds = counter("aitbc.ws.feed.gap.ids.skipped", "Event ids the feed skipped as never committed (rolled back or unused)");
        late = counter("aitbc.ws.feed.events.late", "Events that committed after their id had been skipped; delivered out of order");
        lag = registry.histogram(Metadata.builder().withName("aitbc.ws.delivery.lag")
                .withDescription("Time from a job change to its live event being sent to a WebSocket client")
                .withUnit("milliseconds").build());
    }

    /** Registers the open-sessions gauge, read from the hub. */
    void sessions(Supplier<Long> open) {
        registry.gauge(Metadata.builder().withName("aitbc.ws.sessions")
                .withDescription("Open WebSocket connections to /v1/jobs/ws").build(), open);
    }

    private Counter counter(String name, String description) {
        return registry.counter(Metadata.builder().withName(name).withDescription(description).build());
    }

    void delivered(long atMs, boolean live) {
        delivered.inc();
        if (live) {
            lag.update(Math.max(0, System.currentTimeMillis() - atMs));
        }
    }

    void resync() {
        resyncs.inc();
    }

    @Override
    public void gapsSkipped(long ids) {
        gapIds.inc(ids);
    }

    @Override
    public void late(int events) {
        late.inc(events);
    }
}
