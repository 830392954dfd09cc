package org.aitbc.coordinator.infrastructure.feed;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Settings of the WebSocket event feed ({@code aitbc.ws.*}), read through MicroProfile Config;
 * defaults and their meaning in {@code META-INF/microprofile-config.properties}.
 */
@ApplicationScoped
public class FeedSettings {
    @Inject
    @ConfigProperty(name = "aitbc.ws.idle.timeout.seconds")
    int idleTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.ws.ping.interval.seconds")
    int pingIntervalSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.ws.auth.timeout.seconds")
    int authTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.ws.queue.max")
    int queueMax;

    @Inject
    @ConfigProperty(name = "aitbc.ws.send.timeout.seconds")
    int sendTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.ws.max.subscriptions")
    int maxSubscriptions;

    @Inject
    @ConfigProperty(name = "aitbc.ws.max.unauthenticated.per.address")
    int maxUnauthenticatedPerAddress;

    @Inject
    @ConfigProperty(name = "aitbc.ws.replay.page.size")
    int replayPageSize;

    @Inject
    @ConfigProperty(name = "aitbc.ws.poll.interval.ms")
    int pollIntervalMs;

    @Inject
    @ConfigProperty(name = "aitbc.ws.gap.grace.ms")
    int gapGraceMs;

    @Inject
    @ConfigProperty(name = "aitbc.ws.gap.recheck.seconds")
    int gapRecheckSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.ws.send.threads")
    int sendThreads;

    @Inject
    @ConfigProperty(name = "aitbc.ws.send.queue")
    int sendQueue;

    /** The feed's own sending threads ({@link FeedThreads}). */
    public int sendThreads() {
        return Math.max(1, sendThreads);
    }

    /** Connections waiting for a sending thread, at most. */
    public int sendQueue() {
        return Math.max(1, sendQueue);
    }

    public long idleTimeoutMs() {
        return idleTimeoutSeconds * 1000L;
    }

    public long pingIntervalMs() {
        return pingIntervalSeconds * 1000L;
    }

    public long authTimeoutMs() {
        return authTimeoutSeconds * 1000L;
    }

    public int queueMax() {
        return Math.max(2, queueMax);
    }

    public long sendTimeoutMs() {
        return sendTimeoutSeconds * 1000L;
    }

    public int maxSubscriptions() {
        return maxSubscriptions;
    }

    /** Connections one client address may hold open before they authenticate. */
    public int maxUnauthenticatedPerAddress() {
        return Math.max(1, maxUnauthenticatedPerAddress);
    }

    public int replayPageSize() {
        return Math.max(1, replayPageSize);
    }

    public long pollIntervalMs() {
        return Math.max(1, pollIntervalMs);
    }

    public long gapGraceMs() {
        return Math.max(0, gapGraceMs);
    }

    public long gapRecheckMs() {
        return gapRecheckSeconds * 1000L;
    }
}
