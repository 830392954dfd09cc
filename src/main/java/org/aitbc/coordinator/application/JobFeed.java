package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.feed.EventFeed;
import org.aitbc.coordinator.infrastructure.feed.EventLog;
import org.aitbc.coordinator.infrastructure.feed.FeedSettings;
import org.aitbc.coordinator.infrastructure.security.RateLimiter;

/**
 * The live job feed's use cases: the one entry point of the WebSocket layer, which keeps only the
 * connections. A follower's life:
 *
 * <ol>
 * <li><b>Authentication.</b> {@link #authenticate} turns an API key into a caller: a client or an
 * admin key, not revoked, within its rate limit (an authentication counts as one request). Miner
 * keys may not follow jobs.</li>
 * <li><b>Subscription.</b> An authenticated follower receives the events of its
 * {@linkplain #audience audience}: a client its own jobs', an admin everyone's. It may narrow
 * that to single jobs it {@linkplain #checkMayFollow may follow}; {@link #replayStart} says
 * whether a subscription begins with a replay, and after which event.</li>
 * <li><b>Replay.</b> {@link #replay} reads one page of committed events from the event table,
 * never past {@link #liveAfter()}. The follower reads page after page until one ends at the live
 * position it was read against; then it turns live.</li>
 * <li><b>Live events.</b> {@link #subscribe} hands every event past the commit horizon to the one
 * {@link Live} listener, in id order and exactly once, and moves {@link #liveAfter()} to each
 * event's id just before handing it over: an event up to that position is the replay's, one above
 * it is the listener's, so nothing falls between the two and nothing comes twice.</li>
 * <li><b>Resync.</b> A follower that falls too far behind is dropped with the last event id it
 * received; it comes back through authentication and subscribes after that id, which is a replay
 * like any other. Followers whose account is {@linkplain #revoked revoked} are dropped too.</li>
 * </ol>
 *
 * <p>Not an EJB: no transaction spans a follower (each read is one short transaction of the
 * service or log it calls), and this bean holds the feed's one live subscription for the
 * application's life.
 */
@ApplicationScoped
public class JobFeed {
    private static final Logger LOG = Logger.getLogger(JobFeed.class.getName());
    /** The audience of admins: every job's events. Never an account id (those have a prefix and no '*'). */
    public static final String EVERYONE = "*";
    /** Accounts checked for revocation in one query, to keep its IN list short. */
    private static final int REVOKED_BATCH = 500;

    /** Receives the feed's events on the feed's one dispatcher thread. */
    public interface Live {
        /** The next committed event, in id order; {@link #liveAfter()} is already its id. */
        void event(JobEvent e);

        /** An event that committed after its id had been skipped as never coming: out of order, not lost. */
        void late(JobEvent e);
    }

    /** One page of a replay: events in {@code (after, upTo]}; {@code complete} when none up to {@code upTo} is left. */
    public record Page(List<JobEvent> events, long upTo, boolean complete) {}

    @EJB
    AccountService accounts;

    @EJB
    JobService jobs;

    @EJB
    EventLog log;

    @Inject
    EventFeed feed;

    @Inject
    FeedSettings settings;

    @Inject
    RateLimiter limiter;

    @Inject
    CoordinatorConfig config;

    /** Only grows: set at the feed's start, then at each event; a start racing the first event keeps the higher. */
    private final AtomicLong liveAfter = new AtomicLong();

    // Authentication.

    /**
     * The caller behind a key, allowed to follow jobs. Refusals: {@code UNAUTHENTICATED} (unknown or
     * revoked key), {@code FORBIDDEN} (a miner key), {@code RATE_LIMITED}, {@code UNAVAILABLE} (the
     * key could not be checked now).
     */
    public Caller authenticate(String apiKey) {
        Optional<Caller> found;
        try {
            found = accounts.authenticate(apiKey);
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "authenticating a feed connection failed", e);
            throw new CoordinatorException(
                    CoordinatorException.Kind.UNAVAILABLE,
                    "UNAVAILABLE",
                    "the API key could not be checked now; try again");
        }
        Caller caller = found.orElseThrow(() -> new CoordinatorException(
                CoordinatorException.Kind.UNAUTHENTICATED, "UNAUTHENTICATED", "the API key is not valid"));
        if (caller.role() == Role.MINER) {
            throw new CoordinatorException(
                    CoordinatorException.Kind.FORBIDDEN,
                    "FORBIDDEN",
                    "a miner key may not follow jobs; connect with a client key");
        }
        charge(caller);
        return caller;
    }

    /**
     * Counts one message of a follower against its key's rate limit, like a request; refuses with
     * {@code RATE_LIMITED} (and the seconds to wait) past it. Every message counts, so that a
     * connection cannot buy lookups and replays the REST API would refuse.
     */
    public void charge(Caller caller) {
        int[] limits = config.rateLimits(caller.role(), caller.plan());
        long retryAfter = limiter.acquire(caller.keyHash(), limits[0], limits[1]);
        if (retryAfter > 0) {
            throw new CoordinatorException(
                    CoordinatorException.Kind.RATE_LIMITED,
                    "RATE_LIMITED",
                    "too many requests for this API key; retry in " + retryAfter + " s",
                    null,
                    retryAfter);
        }
    }

    /** Which of these followers' accounts have been revoked since they authenticated ({@link #EVERYONE} is skipped). */
    public List<String> revoked(Collection<String> accountIds) {
        List<String> ids = new ArrayList<>(accountIds);
        ids.remove(EVERYONE);
        List<String> revoked = new ArrayList<>();
        for (int i = 0; i < ids.size(); i += REVOKED_BATCH) {
            revoked.addAll(log.revoked(ids.subList(i, Math.min(ids.size(), i + REVOKED_BATCH))));
        }
        return revoked;
    }

    // Who sees what.

    /** Whose events a caller follows: its own account's, or {@link #EVERYONE}'s for an admin. */
    public static String audience(Caller caller) {
        return caller.isAdmin() ? EVERYONE : caller.accountId();
    }

    /** The audiences an event goes to: its owner and the admins. */
    public static List<String> audiences(JobEvent e) {
        return List.of(e.getClientId(), EVERYONE);
    }

    /** Refuses a job the caller may not see exactly as a missing one ({@code JOB_NOT_FOUND}). */
    public void checkMayFollow(Caller caller, String jobId) {
        jobs.get(caller, jobId);
    }

    // Replay.

    /**
     * Where a subscription's replay starts, or null for none (it goes live from {@link #liveAfter()}).
     * All jobs without {@code after} start live; a single job replays its whole history unless told
     * otherwise: it is short, and it says where the job is.
     */
    public static Long replayStart(String jobId, Long after) {
        if (after != null) {
            return after;
        }
        return jobId == null ? null : 0L;
    }

    /** The next page of a replay of one job ({@code jobId}) or of the caller's audience (null), after {@code after}. */
    public Page replay(Caller caller, String jobId, long after) {
        long upTo = liveAfter();
        int max = settings.replayPageSize();
        String audience = audience(caller);
        List<JobEvent> events = after >= upTo
                ? List.of()
                : jobId != null
                        ? log.ofJob(jobId, after, upTo, max)
                        : EVERYONE.equals(audience)
                                ? log.ofAll(after, upTo, max)
                                : log.ofClient(audience, after, upTo, max);
        return new Page(events, upTo, events.size() < max);
    }

    // Live events.

    /**
     * Starts the feed from the current end of the event table and hands every later event to
     * {@code live}; returns the position it started at. Called once, when the application starts.
     */
    public long subscribe(Live live) {
        long start = feed.start(new EventFeed.Listener() {
            @Override
            public void released(List<JobEvent> events) {
                for (JobEvent e : events) {
                    liveAfter.accumulateAndGet(e.getId(), Math::max);
                    live.event(e);
                }
            }

            @Override
            public void late(List<JobEvent> events) {
                for (JobEvent e : events) {
                    live.late(e);
                }
            }
        });
        return liveAfter.accumulateAndGet(start, Math::max);
    }

    /**
     * The live position: every event up to it is committed and has been (or is being) handed to the
     * {@link Live} listener; every event above it will be.
     */
    public long liveAfter() {
        return liveAfter.get();
    }
}
