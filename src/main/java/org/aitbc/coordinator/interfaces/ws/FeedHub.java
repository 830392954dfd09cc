package org.aitbc.coordinator.interfaces.ws;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.AccountService;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.application.JobService;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.feed.EventFeed;
import org.aitbc.coordinator.infrastructure.feed.EventLog;
import org.aitbc.coordinator.infrastructure.feed.FeedSettings;
import org.aitbc.coordinator.infrastructure.security.RateLimiter;
import org.aitbc.coordinator.interfaces.mapping.JobViews;
import org.aitbc.coordinator.wire.WireJson;

/**
 * The feed's side of this server: every open connection, indexed by account, and the work done
 * for them. It starts with the application, takes the {@link EventFeed}'s events in id order on
 * the dispatcher thread and offers each to the connections of the job's owner and of admins (the
 * event is serialised once), answers the clients' messages, runs replays on managed threads,
 * pings idle connections, closes those whose account was revoked, and closes connections that
 * never authenticated.
 *
 * <p>{@link #offeredHigh()} is the highest event id the hub has started to offer: every event up
 * to it is committed, and every event above it will be offered to every connection. Replays read
 * the table up to it and hand over to live delivery there (see {@link FeedSession}).
 */
@ApplicationScoped
public class FeedHub implements EventFeed.Listener {
    private static final Logger LOG = Logger.getLogger(FeedHub.class.getName());
    private static final long REVOCATION_CHECK_MS = 30_000;
    private static final Jsonb JSONB = JsonbBuilder.create(WireJson.config());

    @Inject
    FeedSettings settings;

    @Inject
    FeedMetrics metrics;

    @Inject
    EventFeed feed;

    @EJB
    EventLog log;

    @EJB
    AccountService accounts;

    @EJB
    JobService jobs;

    @Inject
    RateLimiter limiter;

    @Inject
    CoordinatorConfig config;

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService executor;

    private final Set<FeedSession> sessions = ConcurrentHashMap.newKeySet();
    private final Map<String, Set<FeedSession>> byAccount = new ConcurrentHashMap<>();
    private final Set<FeedSession> admins = ConcurrentHashMap.newKeySet();
    private volatile long offeredHigh;
    private volatile long lastRevocationCheck = System.currentTimeMillis();
    private ScheduledFuture<?> ticker;

    /** Starts with the application, so that the feed runs and the metrics exist before the first client. */
    void start(@Observes @Initialized(ApplicationScoped.class) Object applicationStarted) {
        metrics.sessions(() -> (long) sessions.size());
        offeredHigh = feed.start(this, metrics);
        long tick = Math.max(250, settings.pingIntervalMs() / 2);
        ticker = executor.scheduleWithFixedDelay(this::tick, tick, tick, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (ticker != null) {
            ticker.cancel(false);
        }
    }

    long offeredHigh() {
        return offeredHigh;
    }

    // Connections.

    /** A new connection; {@code apiKey} from the handshake, or null to wait for an auth message. */
    FeedSession open(Session ws, String apiKey) {
        FeedSession fs = new FeedSession(ws, this, settings.queueMax());
        sessions.add(fs);
        ws.setMaxIdleTimeout(settings.idleTimeoutMs());
        ws.getAsyncRemote().setSendTimeout(settings.sendTimeoutMs());
        if (apiKey != null && !apiKey.isBlank()) {
            authenticate(fs, apiKey.trim());
        } else {
            executor.schedule(() -> {
                if (fs.caller() == null && !fs.closing()) {
                    refuse(fs, new CoordinatorException(Kind.UNAUTHENTICATED, "UNAUTHENTICATED", "no API key was sent; "
                            + FeedProtocol.HOW_TO_AUTHENTICATE));
                }
            }, settings.authTimeoutMs(), TimeUnit.MILLISECONDS);
        }
        fs.pump();
        return fs;
    }

    void closed(FeedSession fs) {
        if (fs == null) {
            return;
        }
        fs.ended();
        sessions.remove(fs);
        admins.remove(fs);
        Caller c = fs.caller();
        if (c != null) {
            byAccount.computeIfPresent(c.accountId(), (k, set) -> {
                set.remove(fs);
                return set.isEmpty() ? null : set;
            });
        }
    }

    private void authenticate(FeedSession fs, String apiKey) {
        Optional<Caller> found;
        try {
            found = accounts.authenticate(apiKey);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "authenticating a WebSocket connection failed", e);
            refuse(fs, new CoordinatorException(Kind.UNAVAILABLE, "UNAVAILABLE",
                    "the API key could not be checked now; try again"));
            return;
        }
        if (found.isEmpty()) {
            refuse(fs, new CoordinatorException(Kind.UNAUTHENTICATED, "UNAUTHENTICATED", "the API key is not valid; "
                    + FeedProtocol.HOW_TO_AUTHENTICATE));
            return;
        }
        Caller caller = found.get();
        if (caller.role() == Role.MINER) {
            refuse(fs, new CoordinatorException(Kind.FORBIDDEN, "FORBIDDEN",
                    "a miner key may not follow jobs; connect with a client key"));
            return;
        }
        int[] limits = config.rateLimits(caller.role(), caller.plan());
        long retryAfter = limiter.acquire(caller.keyHash(), limits[0], limits[1]);
        if (retryAfter > 0) {
            refuse(fs, new CoordinatorException(Kind.RATE_LIMITED, "RATE_LIMITED",
                    "too many requests for this API key; retry in " + retryAfter + " s"));
            return;
        }
        // Indexed before it follows anything, so that no event offered after its start point passes it by.
        if (caller.isAdmin()) {
            admins.add(fs);
        } else {
            byAccount.computeIfAbsent(caller.accountId(), k -> ConcurrentHashMap.newKeySet()).add(fs);
        }
        if (!fs.authenticated(caller)) {
            closed(fs);
        }
    }

    private void refuse(FeedSession fs, CoordinatorException e) {
        CloseReason.CloseCode code = e.kind() == Kind.UNAVAILABLE ? CloseReason.CloseCodes.TRY_AGAIN_LATER
                : CloseReason.CloseCodes.VIOLATED_POLICY;
        fs.refuse(FeedProtocol.error(e), new CloseReason(code, e.code()));
        fs.pump();
    }

    // Messages from clients.

    void handle(FeedSession fs, String text) {
        Caller caller = fs.caller();
        try {
            FeedProtocol.Request request = FeedProtocol.parse(text);
            if (request instanceof FeedProtocol.Auth auth) {
                if (caller != null) {
                    throw new CoordinatorException(Kind.MALFORMED, "ALREADY_AUTHENTICATED",
                            "this connection is already authenticated");
                }
                authenticate(fs, auth.apiKey());
            } else if (caller == null) {
                refuse(fs, new CoordinatorException(Kind.UNAUTHENTICATED, "UNAUTHENTICATED", "authenticate first: "
                        + FeedProtocol.HOW_TO_AUTHENTICATE));
                return;
            } else if (request instanceof FeedProtocol.Subscribe sub) {
                if (sub.jobId() != null) {
                    jobs.get(caller, sub.jobId()); // another client's job answers exactly as a missing one
                }
                FeedSession.Subscription s = fs.subscribe(sub.jobId(), sub.afterEventId(), settings.maxSubscriptions());
                if (s.replaying) {
                    replay(fs, s);
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
                LOG.log(Level.WARNING, "a WebSocket message could not be handled", e);
                answer(fs, caller, new CoordinatorException(Kind.INTERNAL, "INTERNAL_ERROR",
                        "the message could not be handled"));
            }
        }
        fs.pump();
    }

    private void answer(FeedSession fs, Caller caller, CoordinatorException e) {
        if (caller == null && fs.caller() == null) {
            // Before authentication a bad message ends the connection, with the way to authenticate.
            String message = "UNAUTHENTICATED".equals(e.code()) ? e.getMessage()
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
        int page = settings.replayPageSize();
        Caller caller = fs.caller();
        try {
            while (true) {
                Long from = fs.replayFrom(s);
                if (from == null || caller == null) {
                    return;
                }
                long upTo = offeredHigh;
                List<JobEvent> events = from >= upTo ? List.of()
                        : s.jobId != null ? log.ofJob(s.jobId, from, upTo, page)
                        : caller.isAdmin() ? log.ofAll(from, upTo, page)
                        : log.ofClient(caller.accountId(), from, upTo, page);
                List<String> json = new ArrayList<>(events.size());
                for (JobEvent e : events) {
                    json.add(toJson(e));
                }
                boolean more = fs.replayed(s, events, json, upTo, events.size() < page);
                fs.pump();
                if (!more) {
                    return;
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "replaying events failed; closing the connection so that the client resumes", e);
            refuse(fs, new CoordinatorException(Kind.UNAVAILABLE, "UNAVAILABLE",
                    "replaying events failed; reconnect and subscribe again with your last event id"));
        }
    }

    // Events from the feed (dispatcher thread, id order).

    @Override
    public void released(List<JobEvent> events) {
        for (JobEvent e : events) {
            offeredHigh = e.getId();
            String json = null;
            Set<FeedSession> owners = byAccount.get(e.getClientId());
            if (owners != null) {
                for (FeedSession fs : owners) {
                    json = json != null ? json : toJson(e);
                    if (fs.offerLive(e, json)) {
                        fs.pump();
                    }
                }
            }
            for (FeedSession fs : admins) {
                json = json != null ? json : toJson(e);
                if (fs.offerLive(e, json)) {
                    fs.pump();
                }
            }
        }
    }

    @Override
    public void late(List<JobEvent> events) {
        for (JobEvent e : events) {
            String json = toJson(e);
            List<FeedSession> targets = new ArrayList<>(admins);
            Set<FeedSession> owners = byAccount.get(e.getClientId());
            if (owners != null) {
                targets.addAll(owners);
            }
            for (FeedSession fs : targets) {
                if (fs.offerLate(e, json)) {
                    fs.pump();
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
        if (System.currentTimeMillis() - lastRevocationCheck >= REVOCATION_CHECK_MS) {
            lastRevocationCheck = System.currentTimeMillis();
            closeRevoked();
        }
    }

    /** Connections whose account was revoked (on any server) are closed within the check period. */
    private void closeRevoked() {
        List<String> ids = new ArrayList<>(byAccount.keySet());
        try {
            for (int i = 0; i < ids.size(); i += 500) {
                for (String revoked : log.revoked(ids.subList(i, Math.min(ids.size(), i + 500)))) {
                    Set<FeedSession> set = byAccount.get(revoked);
                    if (set != null) {
                        for (FeedSession fs : set) {
                            refuse(fs, new CoordinatorException(Kind.UNAUTHENTICATED, "UNAUTHENTICATED",
                                    "the API key was revoked"));
                        }
                    }
                }
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "checking WebSocket connections for revoked keys failed", e);
        }
    }
}
