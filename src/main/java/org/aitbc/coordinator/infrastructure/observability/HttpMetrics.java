package org.aitbc.coordinator.infrastructure.observability;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;

/**
 * What the REST API reports at {@code /metrics}: {@code aitbc_http_request_duration_seconds}, a
 * histogram by route template, method and status class ({@code 2xx} ... {@code 5xx}); answers with
 * a 5xx status and rate-limit refusals as counters of their own. Labels are bounded: the route is
 * the resource method's template (never a raw path or an id), {@code unmatched} for a path no
 * resource answers. The interfaces' request filter feeds it.
 */
@ApplicationScoped
public class HttpMetrics {
    private static final Metadata REQUESTS = Metadata.builder()
            .withName("aitbc.http.request.duration")
            .withDescription("Time from a REST request's arrival to its answer's status and headers, by route template")
            .build();

    @Inject
    MetricRegistry registry;

    private Counter serverErrors;
    private Counter rateLimited;
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    @PostConstruct
    void init() {
        serverErrors = registry.counter(Metadata.builder()
                .withName("aitbc.http.server.errors")
                .withDescription("REST answers with a 5xx status")
                .build());
        rateLimited = registry.counter(Metadata.builder()
                .withName("aitbc.http.rate.limited")
                .withDescription("Requests refused with 429 RATE_LIMITED")
                .build());
    }

    /** Created at start-up, so that the counters read zero before the first refusal rather than nothing. */
    void atStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        serverErrors.getCount();
    }

    /** Records one answered request. */
    public void answered(String method, String route, int status, long nanos) {
        String statusClass = statusClass(status);
        timers.computeIfAbsent(
                        method + ' ' + route + ' ' + statusClass,
                        k -> registry.timer(
                                REQUESTS,
                                new Tag("method", method),
                                new Tag("route", route),
                                new Tag("status", statusClass)))
                .update(Duration.ofNanos(Math.max(0, nanos)));
        if (status >= 500) {
            serverErrors.inc();
        } else if (status == 429) {
            rateLimited.inc();
        }
    }

    static String statusClass(int status) {
        return status >= 100 && status < 600 ? (status / 100) + "xx" : "other";
    }
}
