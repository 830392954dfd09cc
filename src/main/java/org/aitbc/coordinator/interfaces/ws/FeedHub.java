package org.aitbc.coordinator.interfaces.ws;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.EJBException;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.websocket.CloseReason;
import jakarta.websocket.Session;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.application.JobFeed;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.infrastructure.feed.FeedSettings;
import org.aitbc.coordinator.infrastructure.feed.FeedThreads;
import org.aitbc.coordinator.interfaces.mapping.JobViews;
import org.aitbc.coordinator.wire.WireJson;

/**
 * The WebSocket side of the feed: every open connection, indexed by the {@linkplain JobFeed#audience
 * audience} it follows, and the protocol work done for them. It subscribes to the {@link JobFeed}
 * when the application starts, takes its events in id order on the dispatcher thread and offers
 * each to the connections of the event's {@linkplain JobFeed#audiences audiences} (the event is
 * serialised once), answers the clients' messages with the feed's use cases, runs replay pages on
 * managed threads as the connections' queues allow, pings idle connections, closes those whose
 * account was revoked, and closes connections that never authenticated. Every send to a client
 * starts on the feed's own threads ({@link FeedThreads}, through {@link #pump}), never on a thread
 * that serves REST requests or on the dispatcher.
 *
 * <p>{@link #liveAfter()} is the feed's live position: replays read the table up to it and hand
 * over to live delivery there (see {@link FeedSession}).
 */
@ApplicationScoped
public class FeedHub implements JobFeed.Live {
    private static final Logger LOG = Logger.getLogger(FeedHub.class.getName());
    private static final long REVOCATION_CHECK_MS = 30_000;
    private static final Jsonb JSONB = JsonbBuilder.create(WireJson.config());

    @Inject
    FeedSettings settings;

    @Inject
    FeedMetrics metrics;

    @Inject
    JobFeed feed;

    @Inject
    LogTails logTails;

    /** The feed's own threads: every send to a client starts on one of them. */
    @Inject
    FeedThreads threads;

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService executor;

    private final Set<FeedSession> sessions = ConcurrentHashMap.newKeySet();
    /** Authenticated connections by audience: an account id, or {@link JobFeed#EVERYONE} for admins. */
    private final Map<String, Set<FeedSession>> byAudience = new ConcurrentHashMap<>();
    /** Connections not yet authenticated, by client address: bounded per address. */
    private final Map<String, Integer> unauthenticatedByAddress = new ConcurrentHashMap<>();
    /** The address each unauthenticated connection is counted under, until it authenticates or closes. */
    private final Map<FeedSession, String> countedAddress = new ConcurrentHashMap<>();

    private volatile long lastRevocationCheck = System.currentTimeMillis();
    private ScheduledFuture<?> ticker;

    /** Starts with the application, so that the feed runs and the metrics exist before the first client. */
    void start(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted) {
        metrics.sessions(() -> (long) sessions.size());
        feed.subscribe(this);
        long tick = Math.max(250, settings.pingIntervalMs() / 2);
        ticker = executor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (ticker != null) {
            ticker.cancel(false);
        }
    }

    /**
     * Has a feed thread send what waits for {@code fs}: at most one such task per connection is
     * queued at a time, so the threads' queue holds at most one entry per connection. When even that
     * finds no room (more waiting connections than {@code aitbc.ws.send.queue}), the connection is
     * closed (1013): its client resumes with a replay instead of waiting behind the others.
     */
    void pump(FeedSession fs) {
        if (fs.claimPump()
                && !threads.offer(() -> {
                    fs.pumpStarted();
                    fs.pump();
                })) {
            fs.pumpStarted();
            closeNow(fs, new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER, "server busy; resubscribe"));
        }
    }

    long liveAfter() {
        return feed.liveAfter();
    }

    // Connections.

    /**
     * A new connection; {@code apiKey} from the handshake, or null to wait for an auth message;
     * {@code address} the client's (null when the container did not say). A client address may
     * hold at most {@code aitbc.ws.max.unauthenticated.per.address} connections that have not
     * authenticated: one past it is closed at once (1008, TOO_MANY_CONNECTIONS).
     */
    FeedSession open(Session ws, String apiKey, String address) {
        FeedSession fs = new FeedSession(ws, this, settings.queueMax());
        sessions.add(fs);
        ws.setMaxIdleTimeout(settings.idleTimeoutMs());
        ws.getAsyncRemote().setSendTimeout(settings.sendTimeoutMs());
        if (apiKey != null && !apiKey.isBlank()) {
            authenticate(fs, apiKey.trim());
        } else if (address != null && !admitUnauthenticated(fs, address)) {
            refuse(
                    fs,
                    new CoordinatorException(
                            Kind.RATE_LIMITED,
                            "TOO_MANY_CONNECTIONS",
                            "too many unauthenticated connections from this address; authenticate the open ones"
                                    + " (or close them) before opening more",
                            null,
                            (long) Math.max(1, settings.authTimeoutMs() / 1000)));
        } else {
            executor.schedule(
                    () -> {
                        if (fs.caller() == null && !fs.closing()) {
                            refuse(
                                    fs,
                                    new CoordinatorException(
                                            Kind.UNAUTHENTICATED,
                                            "UNAUTHENTICATED",
                                            "no API key was sent; " + FeedProtocol.HOW_TO_AUTHENTICATE));
                        }
                    },
                    settings.authTimeoutMs(),
                    TimeUnit.MILLISECONDS);
        }
        pump(fs);
        return fs;
    }

    private boolean admitUnauthenticated(FeedSession fs, String address) {
        int max = settings.maxUnauthenticatedPerAddress();
        boolean[] admitted = {false};
        unauthenticatedByAddress.compute(address, (k, n) -> {
            int open = n == null ? 0 : n;
            admitted[0] = open < max;
            return admitted[0] ? open + 1 : (open == 0 ? null : open);
        });
        if (admitted[0]) {
            countedAddress.put(fs, address);
        }
        return admitted[0];
    }

    /** The connection no longer counts as unauthenticated (it authenticated, or it closed). */
    private void uncount(FeedSession fs) {
        String address = countedAddress.remove(fs);
        if (address != null) {
            unauthenticatedByAddress.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
        }
    }

    void closed(FeedSession fs) {
        if (fs == null) {
            return;
        }
        uncount(fs);
        fs.ended();
        sessions.remove(fs);
        Caller c = fs.caller();
        if (c != null) {
            byAudience.computeIfPresent(JobFeed.audience(c), (k, set) -> {
                set.remove(fs);
                return set.isEmpty() ? null : set;
            });
        }
    }

    private void authenticate(FeedSession fs, String apiKey) {
        Caller caller;
        try {
            caller = feed.authenticate(apiKey);
        } catch (CoordinatorException e) {
            // On this protocol a refused key is told how to authenticate.
            refuse(
                    fs,
                    !"UNAUTHENTICATED".equals(e.code())
                            ? e
                            : new CoordinatorException(
                                    Kind.UNAUTHENTICATED,
                                    "UNAUTHENTICATED",
                                    e.getMessage() + "; " + FeedProtocol.HOW_TO_AUTHENTICATE));
            return;
        }
        uncount(fs);
        // Indexed before it follows anything, so that no event offered after its start point passes it by.
        byAudience
                .computeIfAbsent(JobFeed.audience(caller), k -> ConcurrentHashMap.newKeySet())
                .add(fs);
        if (!fs.authenticated(caller)) {
            closed(fs);
        }
    }

    private void refuse(FeedSession fs, CoordinatorException e) {
        CloseReason.CloseCode code = e.kind() == Kind.UNAVAILABLE
                ? CloseReason.CloseCodes.TRY_AGAIN_LATER
                : CloseReason.CloseCodes.VIOLATED_POLICY;
        fs.refuse(FeedProtocol.error(e), new CloseReason(code, e.code()));
        pump(fs);
    }

    // Messages from clients.

    void handle(FeedSession fs, String text) {
        Caller caller = fs.caller();
        try {
            if (caller != null) {
                // Every message counts against the key's rate limit, like a request: past it the
                // client gets RATE_LIMITED with retry_after, and nothing is looked up or replayed.
                feed.charge(caller);
            }
            FeedProtocol.Request request = FeedProtocol.parse(text);
            if (request instanceof FeedProtocol.Auth auth) {
                if (caller != null) {
                    throw new CoordinatorException(
                            Kind.MALFORMED, "ALREADY_AUTHENTICATED", "this connection is already authenticated");
                }
                authenticate(fs, auth.apiKey());
            } else if (caller == null) {
                refuse(
                        fs,
                        new CoordinatorException(
                                Kind.UNAUTHENTICATED,
                                "UNAUTHENTICATED",
                                "authenticate first: " + FeedProtocol.HOW_TO_AUTHENTICATE));
                return;
            } else if (request instanceof FeedProtocol.Subscribe sub) {
                if (sub.jobId() != null) {
                    feed.checkMayFollow(caller, sub.jobId());
                }
                FeedSession.Subscription s = fs.subscribe(sub.jobId(), sub.afterEventId(), settings.maxSubscriptions());
                if (s.replaying) {
                    replay(fs, s);
                }
                if (sub.logs() != null) {
                    logTails.start(fs, s, caller, sub.logs());
                }
            } else if (request instanceof FeedProtocol.Unsubscribe unsub) {
                fs.unsubscribe(unsub.jobId());
            } else {
                fs.control(FeedProtocol.pong());
            }
        } catch (CoordinatorException e) {
            answer(fs, caller, e);
        } catch (EJBException e) {
            Throwable cause = e;
            while (cause instanceof EJBException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof CoordinatorException ce) {
                answer(fs, caller, ce);
            } else {
                unexpected(fs, caller, e);
            }
        } catch (RuntimeException | StackOverflowError e) {
            // Whatever else a message provokes gets an answer too, never silence.
            unexpected(fs, caller, e);
        }
        pump(fs);
    }

    private void unexpected(FeedSession fs, Caller caller, Throwable e) {
        LOG.log(Level.WARNING, "a WebSocket message could not be handled", e);
        answer(
                fs,
                caller,
                new CoordinatorException(Kind.INTERNAL, "INTERNAL_ERROR", "the message could not be handled"));
    }

    private void answer(FeedSession fs, Caller caller, CoordinatorException e) {
        if (caller == null && fs.caller() == null) {
            // Before authentication a bad message ends the connection, with the way to authenticate.
            String message = "UNAUTHENTICATED".equals(e.code())
                    ? e.getMessage()
                    : e.getMessage() + "; then authenticate: " + FeedProtocol.HOW_TO_AUTHENTICATE;
            refuse(fs, new CoordinatorException(Kind.UNAUTHENTICATED, "UNAUTHENTICATED", message));
        } else {
            fs.control(FeedProtocol.error(e));
        }
    }

    // Replays.

    /** Runs (or resumes) a subscription's replay on a managed thread. */
    void replay(FeedSession fs, FeedSession.Subscription s) {
        executor.execute(() -> replayNow(fs, s));
    }

    private void replayNow(FeedSession fs, FeedSession.Subscription s) {
        Caller caller = fs.caller();
        try {
            while (true) {
                Long from = fs.replayFrom(s);
                if (from == null || caller == null) {
                    return;
                }
                JobFeed.Page page = feed.replay(caller, s.jobId, from);
                List<String> json = new ArrayList<>(page.events().size());
                for (JobEvent e : page.events()) {
                    json.add(toJson(e));
                }
                boolean more = fs.replayed(s, page.events(), json, page.upTo(), page.complete());
                pump(fs);
                if (!more) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "replaying events failed; closing the connection so that the client resumes", e);
            refuse(
                    fs,
                    new CoordinatorException(
                            Kind.UNAVAILABLE,
                            "UNAVAILABLE",
                            "replaying events failed; reconnect and subscribe again with your last event id"));
        }
    }

    // Events from the feed (dispatcher thread, id order).

    @Override
    public void event(JobEvent e) {
        String json = null;
        for (String audience : JobFeed.audiences(e)) {
            Set<FeedSession> followers = byAudience.get(audience);
            if (followers == null) {
                continue;
            }
            for (FeedSession fs : followers) {
                json = json != null ? json : toJson(e);
                if (fs.offerLive(e, json)) {
                    pump(fs);
                }
            }
        }
    }

    @Override
    public void late(JobEvent e) {
        String json = toJson(e);
        for (String audience : JobFeed.audiences(e)) {
            Set<FeedSession> followers = byAudience.get(audience);
            if (followers == null) {
                continue;
            }
            for (FeedSession fs : followers) {
                if (fs.offerLate(e, json)) {
                    pump(fs);
                }
            }
        }
    }

    private static String toJson(JobEvent e) {
        return JSONB.toJson(JobViews.of(e));
    }

    void delivered(long atMs, boolean live) {
        metrics.delivered(atMs, live);
    }

    // Closing.

    void resynced(FeedSession fs, CloseReason reason) {
        metrics.resync();
        closeLater(fs, reason);
    }

    /** Closes the connection if its last message has not gone out within the send timeout. */
    void closeLater(FeedSession fs, CloseReason reason) {
        executor.schedule(() -> close(fs, reason), settings.sendTimeoutMs(), TimeUnit.MILLISECONDS);
    }

    void closeNow(FeedSession fs, CloseReason reason) {
        executor.execute(() -> close(fs, reason));
    }

    private void close(FeedSession fs, CloseReason reason) {
        if (fs.ws.isOpen()) {
            try {
                fs.ws.close(reason);
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.FINE, "closing a WebSocket connection failed", e);
            }
        }
        closed(fs);
    }

    // Pings and revocations.

    private void tick() {
        threads.offer(this::pings);
        if (System.currentTimeMillis() - lastRevocationCheck >= REVOCATION_CHECK_MS) {
            lastRevocationCheck = System.currentTimeMillis();
            closeRevoked();
        }
    }

    /** Pings idle connections (on a feed thread, like every other send). */
    private void pings() {
        long idle = TimeUnit.MILLISECONDS.toNanos(settings.pingIntervalMs());
        for (FeedSession fs : sessions) {
            if (!fs.ws.isOpen()) {
                closed(fs);
                continue;
            }
            if (fs.startPing(idle)) {
                try {
                    fs.ws.getAsyncRemote().sendPing(ByteBuffer.wrap(new byte[] {'a', 'i', 't', 'b', 'c'}));
                } catch (IOException | RuntimeException e) {
                    closeNow(fs, new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "ping failed"));
                } finally {
                    fs.pinged();
                }
            }
        }
    }

    /** Connections whose account was revoked (on any server) are closed within the check period. */
    private void closeRevoked() {
        try {
            for (String revoked : feed.revoked(byAudience.keySet())) {
                Set<FeedSession> set = byAudience.get(revoked);
                if (set != null) {
                    for (FeedSession fs : set) {
                        refuse(
                                fs,
                                new CoordinatorException(
                                        Kind.UNAUTHENTICATED, "UNAUTHENTICATED", "the API key was revoked"));
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "checking WebSocket connections for revoked keys failed", e);
        }
    }
}
