package org.aitbc.coordinator.interfaces.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.websocket.RemoteEndpoint;
import jakarta.websocket.SendHandler;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.JobFeed;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.feed.FeedSettings;
import org.aitbc.coordinator.infrastructure.feed.FeedThreads;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * How the feed sends (FeedHub, FeedSession, FeedThreads), against stand-in WebSocket sessions: every
 * write starts on a feed thread, whichever thread offered the message or completed the previous
 * write; a connection has one write in flight and gets its events in id order; and a client that
 * reads nothing (its write never completes) holds one pending write, not a thread, so another
 * connection still gets every event.
 */
class FeedSendingTest {
    private static final Pattern EVENT_ID = Pattern.compile("\"event_id\":(\\d+)");

    /** The container's own threads, on which completions of writes arrive. */
    private final ExecutorService container = Executors.newFixedThreadPool(2, r -> new Thread(r, "container-io"));

    private final FeedThreads threads = FeedThreads.of(1, 1000);

    @AfterEach
    void stop() {
        container.shutdownNow();
        threads.stop();
    }

    /** A stand-in session: records each write and the thread that started it; completes it unless stalled. */
    private final class FakeSocket {
        final List<String> texts = Collections.synchronizedList(new ArrayList<>());
        final Set<String> senderThreads = ConcurrentHashMap.newKeySet();
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicInteger maxInFlight = new AtomicInteger();
        final boolean stalled;
        final Session session;

        FakeSocket(boolean stalled) {
            this.stalled = stalled;
            RemoteEndpoint.Async async = (RemoteEndpoint.Async) Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {RemoteEndpoint.Async.class}, (p, m, args) -> {
                        if (m.getName().equals("sendText") && args.length == 2) {
                            send((String) args[0], (SendHandler) args[1]);
                        }
                        return null;
                    });
            session = (Session) Proxy.newProxyInstance(
                    getClass().getClassLoader(), new Class<?>[] {Session.class}, (p, m, args) -> switch (m.getName()) {
                        case "getAsyncRemote" -> async;
                        case "isOpen" -> true;
                        case "hashCode" -> System.identityHashCode(p);
                        case "equals" -> p == args[0];
                        default -> null;
                    });
        }

        private void send(String text, SendHandler done) {
            senderThreads.add(Thread.currentThread().getName());
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            texts.add(text);
            if (stalled) {
                return; // a client that reads nothing: the write never completes
            }
            // Completed later on the container's thread, as Liberty does when the write did not finish at once.
            container.execute(() -> {
                inFlight.decrementAndGet();
                done.onResult(new SendResult());
            });
        }

        List<Long> eventIds() {
            List<Long> ids = new ArrayList<>();
            synchronized (texts) {
                for (String t : texts) {
                    Matcher m = EVENT_ID.matcher(t);
                    if (m.find()) {
                        ids.add(Long.parseLong(m.group(1)));
                    }
                }
            }
            return ids;
        }
    }

    private FeedHub hub(int queueMax) {
        FeedHub hub = new FeedHub();
        hub.threads = threads;
        hub.settings = new FeedSettings() {
            @Override
            public int queueMax() {
                return queueMax;
            }

            @Override
            public long idleTimeoutMs() {
                return 60_000;
            }

            @Override
            public long sendTimeoutMs() {
                return 15_000;
            }
        };
        hub.metrics = new FeedMetrics() {
            @Override
            void delivered(long atMs, boolean live) {}

            @Override
            void resync() {}
        };
        // Keys name their account: "key-A" authenticates as client account A.
        hub.feed = new JobFeed() {
            @Override
            public Caller authenticate(String apiKey) {
                String account = apiKey.substring(4);
                return new Caller(account, account, Role.CLIENT, Plan.PRO, "hash-" + account);
            }
        };
        return hub;
    }

    private static JobEvent event(long id, String job, String client) throws Exception {
        JobEvent e = new JobEvent() {};
        set(e, "id", id);
        set(e, "jobId", job);
        set(e, "clientId", client);
        set(e, "type", JobEvent.PROGRESS);
        set(e, "status", "running");
        set(e, "atMs", Instant.now().toEpochMilli());
        return e;
    }

    private static void set(JobEvent e, String field, Object value) throws Exception {
        Field f = JobEvent.class.getDeclaredField(field);
        f.setAccessible(true);
        f.set(e, value);
    }

    private static void await(FakeSocket s, int events) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (s.eventIds().size() < events && System.nanoTime() < until) {
            Thread.sleep(5);
        }
    }

    @Test
    void aClientThatReadsNothingDoesNotHoldBackAnother() throws Exception {
        FeedHub hub = hub(500);
        FakeSocket slow = new FakeSocket(true);
        FakeSocket fast = new FakeSocket(false);
        hub.open(slow.session, "key-A", null);
        hub.open(fast.session, "key-B", null);
        // Offered on this thread, standing in for the dispatcher: A's and B's events interleaved.
        int each = 300;
        for (int i = 1; i <= each; i++) {
            hub.event(event(2L * i - 1, "job_a", "A"));
            hub.event(event(2L * i, "job_b", "B"));
        }
        await(fast, each);

        List<Long> expected = new ArrayList<>();
        for (int i = 1; i <= each; i++) {
            expected.add(2L * i);
        }
        assertEquals(expected, fast.eventIds(), "every event of B's job, in id order, although A reads nothing");
        // A's first write (its "authenticated" message) never completed: nothing more was written to it.
        assertEquals(1, slow.texts.size(), "a connection has one write in flight: " + slow.texts);
        assertEquals(1, fast.maxInFlight.get(), "one write in flight per connection");
        for (FakeSocket s : List.of(slow, fast)) {
            for (String name : s.senderThreads) {
                assertTrue(name.startsWith("aitbc-feed-send-"), "a write started on " + name);
            }
        }
    }

    @Test
    void writesStartOnFeedThreadsAndKeepEachConnectionsOrder() throws Exception {
        FeedHub hub = hub(10_000);
        List<FakeSocket> sockets = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            FakeSocket s = new FakeSocket(false);
            sockets.add(s);
            hub.open(s.session, "key-C" + c, null);
        }
        int per = 200;
        long id = 0;
        for (int i = 0; i < per; i++) {
            for (int c = 0; c < sockets.size(); c++) {
                hub.event(event(++id, "job_" + c, "C" + c));
            }
        }
        for (FakeSocket s : sockets) {
            await(s, per);
        }
        for (int c = 0; c < sockets.size(); c++) {
            FakeSocket s = sockets.get(c);
            List<Long> ids = s.eventIds();
            assertEquals(per, ids.size(), "connection " + c + " got every event of its job");
            for (int i = 1; i < ids.size(); i++) {
                assertTrue(ids.get(i) > ids.get(i - 1), "connection " + c + " in id order: " + ids);
            }
            assertEquals(1, s.maxInFlight.get(), "one write in flight per connection");
            assertEquals(Set.of("aitbc-feed-send-1"), s.senderThreads, "every write started on the feed thread");
        }
    }
}
