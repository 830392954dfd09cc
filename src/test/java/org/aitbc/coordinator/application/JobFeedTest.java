package org.aitbc.coordinator.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.feed.EventFeed;
import org.aitbc.coordinator.infrastructure.feed.EventLog;
import org.aitbc.coordinator.infrastructure.feed.FeedSettings;
import org.aitbc.coordinator.infrastructure.security.RateLimiter;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The feed's rules, with hand-made stand-ins for the services and the event table: who may follow,
 * who sees which events, where a replay starts and which read it makes, and the live position.
 */
class JobFeedTest {
    private static final Caller CLIENT = new Caller("client_a", "a", Role.CLIENT, Plan.FREE, "hash-a");
    private static final Caller ADMIN = new Caller("admin", "configured admin", Role.ADMIN, null, "hash-admin");
    private static final Caller MINER = new Caller("miner_m", "m", Role.MINER, null, "hash-m");

    private final List<String> reads = new ArrayList<>();
    private final List<Collection<String>> revokedQueries = new ArrayList<>();
    private Optional<Caller> known = Optional.empty();
    private RuntimeException accountsDown;
    private int perMinute = 10;
    private EventFeed.Listener listener;
    private JobFeed feed;

    @BeforeEach
    void wire() {
        feed = new JobFeed();
        feed.accounts = new AccountService() {
            @Override
            public Optional<Caller> authenticate(String apiKey) {
                if (accountsDown != null) {
                    throw accountsDown;
                }
                return known;
            }
        };
        feed.config = new CoordinatorConfig() {
            @Override
            public int[] rateLimits(Role role, Plan plan) {
                return new int[] {perMinute, 1000};
            }
        };
        feed.limiter = new RateLimiter();
        feed.settings = new FeedSettings() {
            @Override
            public int replayPageSize() {
                return 2;
            }
        };
        feed.log = new EventLog() {
            @Override
            public List<JobEvent> ofJob(String jobId, long after, long upTo, int max) {
                return read("job " + jobId, after, upTo, max);
            }

            @Override
            public List<JobEvent> ofClient(String clientId, long after, long upTo, int max) {
                return read("client " + clientId, after, upTo, max);
            }

            @Override
            public List<JobEvent> ofAll(long after, long upTo, int max) {
                return read("all", after, upTo, max);
            }

            @Override
            public List<String> revoked(Collection<String> accountIds) {
                revokedQueries.add(List.copyOf(accountIds));
                return accountIds.stream().filter(id -> id.startsWith("gone")).collect(Collectors.toList());
            }
        };
        feed.feed = new EventFeed() {
            @Override
            public synchronized long start(Listener l) {
                listener = l;
                return 10;
            }
        };
    }

    /** Answers with the ids in {@code (after, min(upTo, after + max)]}. */
    private List<JobEvent> read(String what, long after, long upTo, int max) {
        reads.add(what + " (" + after + "," + upTo + "]");
        List<JobEvent> page = new ArrayList<>();
        for (long id = after + 1; id <= upTo && page.size() < max; id++) {
            page.add(event(id, "job_1", "client_a"));
        }
        return page;
    }

    private static JobEvent event(long id, String jobId, String clientId) {
        return new JobEvent() {
            @Override
            public Long getId() {
                return id;
            }

            @Override
            public String getJobId() {
                return jobId;
            }

            @Override
            public String getClientId() {
                return clientId;
            }

            @Override
            public Instant getAt() {
                return Instant.EPOCH;
            }
        };
    }

    // Authentication.

    @Test
    void aClientOrAdminKeyWithinItsLimitIsAdmitted() {
        known = Optional.of(CLIENT);
        assertEquals(CLIENT, feed.authenticate("k"));
        known = Optional.of(ADMIN);
        assertEquals(ADMIN, feed.authenticate("k"));
    }

    @Test
    void unknownKeysMinerKeysAndUnreachableAccountsAreRefused() {
        assertEquals("UNAUTHENTICATED", refusal("k").code());
        assertEquals("the API key is not valid", refusal("k").getMessage());
        known = Optional.of(MINER);
        assertEquals("FORBIDDEN", refusal("k").code());
        accountsDown = new IllegalStateException("database down");
        CoordinatorException down = refusal("k");
        assertEquals("UNAVAILABLE", down.code());
        assertEquals(CoordinatorException.Kind.UNAVAILABLE, down.kind());
    }

    @Test
    void eachAuthenticationCountsAgainstTheKeysRateLimit() {
        known = Optional.of(CLIENT);
        perMinute = 2;
        feed.authenticate("k");
        feed.authenticate("k");
        CoordinatorException limited = refusal("k");
        assertEquals("RATE_LIMITED", limited.code());
        assertTrue(
                limited.getMessage().startsWith("too many requests for this API key; retry in "), limited.getMessage());
    }

    private CoordinatorException refusal(String key) {
        return assertThrows(CoordinatorException.class, () -> feed.authenticate(key));
    }

    // Who sees what.

    @Test
    void aClientFollowsItsOwnJobsAndAnAdminEveryones() {
        assertEquals("client_a", JobFeed.audience(CLIENT));
        assertEquals(JobFeed.EVERYONE, JobFeed.audience(ADMIN));
        assertEquals(List.of("client_b", JobFeed.EVERYONE), JobFeed.audiences(event(5, "job_9", "client_b")));
    }

    @Test
    void revocationIsCheckedInBatchesAndNeverForTheAdminsAudience() {
        List<String> ids = new ArrayList<>(
                IntStream.range(0, 1200).mapToObj(i -> "client_" + i).toList());
        ids.add(JobFeed.EVERYONE);
        ids.add("gone_1");
        assertEquals(List.of("gone_1"), feed.revoked(ids));
        assertEquals(
                List.of(500, 500, 201),
                revokedQueries.stream().map(Collection::size).toList());
        assertTrue(revokedQueries.stream().noneMatch(q -> q.contains(JobFeed.EVERYONE)));
        assertEquals(List.of(), feed.revoked(List.of(JobFeed.EVERYONE)));
        assertEquals(3, revokedQueries.size(), "no query for nobody");
    }

    // Replay.

    @Test
    void allJobsStartLiveUnlessGivenAnEventAndASingleJobReplaysFromTheStart() {
        assertNull(JobFeed.replayStart(null, null));
        assertEquals(7L, JobFeed.replayStart(null, 7L));
        assertEquals(0L, JobFeed.replayStart("job_1", null));
        assertEquals(7L, JobFeed.replayStart("job_1", 7L));
        assertEquals(0L, JobFeed.replayStart(null, 0L));
    }

    @Test
    void aReplayReadsTheJobTheCallersJobsOrEveryonesUpToTheLivePosition() {
        feed.subscribe(new Recorder());
        feed.replay(CLIENT, "job_1", 3);
        feed.replay(CLIENT, null, 3);
        feed.replay(ADMIN, null, 3);
        assertEquals(List.of("job job_1 (3,10]", "client client_a (3,10]", "all (3,10]"), reads);
    }

    @Test
    void aReplayIsCompleteOnAShortPageAndReadsNothingAtTheLivePosition() {
        feed.subscribe(new Recorder());
        JobFeed.Page full = feed.replay(CLIENT, null, 7);
        assertEquals(
                List.of(8L, 9L), full.events().stream().map(JobEvent::getId).toList());
        assertEquals(10, full.upTo());
        assertFalse(full.complete());
        JobFeed.Page last = feed.replay(CLIENT, null, 9);
        assertEquals(1, last.events().size());
        assertTrue(last.complete());
        reads.clear();
        JobFeed.Page none = feed.replay(CLIENT, null, 10);
        assertEquals(List.of(), none.events());
        assertTrue(none.complete());
        assertEquals(List.of(), reads, "nothing to read past the live position");
    }

    // Live events.

    /** Records what the listener was handed and the live position at that moment. */
    private final class Recorder implements JobFeed.Live {
        final List<String> seen = new ArrayList<>();

        @Override
        public void event(JobEvent e) {
            seen.add("event " + e.getId() + " at " + feed.liveAfter());
        }

        @Override
        public void late(JobEvent e) {
            seen.add("late " + e.getId() + " at " + feed.liveAfter());
        }
    }

    @Test
    void theLivePositionMovesToEachEventBeforeItIsHandedOverAndLateEventsLeaveItAlone() {
        Recorder live = new Recorder();
        assertEquals(10, feed.subscribe(live));
        assertEquals(10, feed.liveAfter());
        listener.released(List.of(event(11, "job_1", "client_a"), event(12, "job_1", "client_a")));
        listener.late(List.of(event(9, "job_2", "client_a")));
        assertEquals(List.of("event 11 at 11", "event 12 at 12", "late 9 at 12"), live.seen);
        assertEquals(12, feed.liveAfter());
    }

    @Test
    void anEventReleasedBeforeTheStartIsRecordedIsNotOvertaken() {
        feed.feed = new EventFeed() {
            @Override
            public synchronized long start(Listener l) {
                // The dispatcher thread is quick: it hands over event 11 before start() returns 10.
                l.released(List.of(event(11, "job_1", "client_a")));
                return 10;
            }
        };
        assertEquals(11, feed.subscribe(new Recorder()));
        assertEquals(11, feed.liveAfter());
    }
}
