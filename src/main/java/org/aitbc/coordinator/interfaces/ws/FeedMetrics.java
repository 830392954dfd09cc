package org.aitbc.coordinator.interfaces.ws;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.function.Supplier;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Timer;

/**
 * What the WebSocket feed reports at {@code /metrics}: open sessions, events delivered, the delivery
 * lag of live events (from the change to the message leaving the server) and resyncs of clients that
 * fell behind. Gaps in the event ids are the feed's own ({@code infrastructure.feed.GapMetrics}).
 */
@ApplicationScoped
public class FeedMetrics {
    @Inject
    MetricRegistry registry;

    private Counter delivered;
    private Counter resyncs;
    private Timer lag;

    @PostConstruct
    void init() {
        delivered = counter("aitbc.ws.events.delivered", "Job events sent to WebSocket clients (live and replayed)");
        resyncs = counter(
                "aitbc.ws.resyncs", "WebSocket clients closed with a resync message because they fell too far behind");
        // A timer: printed in seconds, with the buckets of mp.metrics.distribution.timer.buckets.
        lag = registry.timer(Metadata.builder()
                .withName("aitbc.ws.delivery.lag")
                .withDescription("Time from a job change to its live event being sent to a WebSocket client")
                .build());
    }

    /** Registers the open-sessions gauge, read from the hub. */
    void sessions(Supplier<Long> open) {
        registry.gauge(
                Metadata.builder()
                        .withName("aitbc.ws.sessions")
                        .withDescription("Open WebSocket connections to /v1/jobs/ws")
                        .build(),
                open);
    }

    private Counter counter(String name, String description) {
        return registry.counter(
                Metadata.builder().withName(name).withDescription(description).build());
    }

    void delivered(long atMs, boolean live) {
        delivered.inc();
        if (live) {
            lag.update(Duration.ofMillis(Math.max(0, System.currentTimeMillis() - atMs)));
        }
    }

    void resync() {
        resyncs.inc();
    }
}
