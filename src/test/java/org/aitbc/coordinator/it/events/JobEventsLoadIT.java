package org.aitbc.coordinator.it.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringReader;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.aitbc.coordinator.it.support.WsClient;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The WebSocket feed under load, with real clients against the real server: 200 subscribers at
 * once while jobs run; sixteen writers at once while subscribers (one of them reconnecting
 * midway) follow; and a client that stops reading next to one that keeps up.
 *
 * <p>What every subscriber received is compared with {@code GET /v1/jobs/{id}/events}: the same
 * events, in strictly increasing {@code event_id} order, none missing, none twice.
 */
// Alone: it waits for the server-wide resync counter to grow (another class's resync would end
// the wait early), and its 200 subscribers and 16 writers load the server.
@Isolated
@Order(Schedule.ISOLATED)
public class JobEventsLoadIT {
    /** The test's WebSocket connections have a client of their own, apart from the REST calls'. */
    private static final HttpClient WS_HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
    /** How long a condition may take before the test gives up: generous, for a loaded 2-core machine. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    // 1. Many subscribers.

    @Test
    void twoHundredSubscribersEachGetEveryEventOfTheirJobsInOrder() throws Exception {
        int clients = 4;
        int jobsPerClient = 4;
        int subscribersPerClient = 50;
        int progressReports = 8;
        String region = Api.uniqueRegion();
        String minerKey = Api.miner();
        Map<String, List<String>> jobsOf = new LinkedHashMap<>();
        for (int c = 0; c < clients; c++) {
            String key = Api.client();
            List<String> jobs = new ArrayList<>();
            for (int j = 0; j < jobsPerClient; j++) {
                jobs.add(Api.submit(key, region));
            }
            jobsOf.put(key, jobs);
        }

        // 200 connections at once; half follow one job (its whole history), half all of their client's
        // jobs (from event 0, or live from now). Half subscribe before the miners start, half while they work.
        record Sub(Feed feed, String key, String jobId, Long after) {
            void subscribe() {
                feed.subscribe(jobId, after);
            }
        }
        List<CompletableFuture<Feed>> connecting = new ArrayList<>();
        List<String> keys = new ArrayList<>(jobsOf.keySet());
        for (int c = 0; c < clients; c++) {
            for (int i = 0; i < subscribersPerClient; i++) {
                connecting.add(Feed.connect("client" + c + "/subscriber" + i, keys.get(c)));
            }
        }
        CompletableFuture.allOf(connecting.toArray(CompletableFuture[]::new))
                .get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        List<Sub> subs = new ArrayList<>();
        for (int n = 0; n < connecting.size(); n++) {
            int c = n / subscribersPerClient;
            int i = n % subscribersPerClient;
            String key = keys.get(c);
            Feed feed = connecting.get(n).join();
            String job = i % 2 == 0 ? jobsOf.get(key).get((i / 2) % jobsPerClient) : null;
            Long after = job != null ? (i % 4 == 0 ? 0L : null) : (i % 4 == 1 ? 0L : null);
            subs.add(new Sub(feed, key, job, after));
        }
        try {
            for (Sub s : subs) {
                s.feed.await(m -> has(m, "authenticated"), PATIENCE, () -> "authenticated");
            }
            double open = JobEventsIT.metricValue(
                    Api.get("/metrics?scope=application&name=aitbc.ws.sessions", null)
                            .expect(200)
                            .body(),
                    "aitbc_ws_sessions");
            assertTrue(open >= subs.size(), "the server has all " + subs.size() + " connections open: " + open);
            List<Sub> early = new ArrayList<>();
            List<Sub> late = new ArrayList<>();
            for (int n = 0; n < subs.size(); n++) {
                (n % subscribersPerClient < subscribersPerClient / 2 ? early : late).add(subs.get(n));
            }
            early.forEach(Sub::subscribe);
            for (Sub s : early) {
                s.feed.await(JobEventsLoadIT::caughtUp, PATIENCE, () -> "caught_up");
            }

            int minersCount = 8;
            AtomicInteger unclaimed = new AtomicInteger(clients * jobsPerClient);
            ExecutorService miners = Executors.newFixedThreadPool(minersCount);
            List<Future<Integer>> driven = new ArrayList<>();
            List<String> minerIds = new ArrayList<>();
            for (int m = 0; m < minersCount; m++) {
                minerIds.add(region + "-m" + m);
                Api.register(minerKey, minerIds.get(m), region, 10);
            }
            AutoCloseable beating = heartbeats(minerKey, minerIds);
            try {
                for (String minerId : minerIds) {
                    driven.add(miners.submit(() -> driveWholeJobs(minerKey, minerId, unclaimed, progressReports)));
                }
                late.forEach(Sub::subscribe); // while the jobs run
                int total = 0;
                for (Future<Integer> f : driven) {
                    total += f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
                }
                assertEquals(clients * jobsPerClient, total, "every job was driven to completion once");
            } finally {
                miners.shutdownNow();
                beating.close();
            }

            Map<String, List<JsonObject>> history = new LinkedHashMap<>();
            for (Map.Entry<String, List<String>> e : jobsOf.entrySet()) {
                for (String job : e.getValue()) {
                    List<JsonObject> events = JobEventsIT.restEvents(e.getKey(), job, 0);
                    assertEquals(3 + progressReports + 1, events.size(), "the REST history of " + job + ": " + events);
                    assertEquals("completed", events.get(events.size() - 1).getString("status"));
                    history.put(job, events);
                }
            }
            Map<Sub, List<JsonObject>> expected = new LinkedHashMap<>();
            for (Sub s : subs) {
                long after = s.feed.subscribedAfter();
                List<String> followed = s.jobId != null ? List.of(s.jobId) : jobsOf.get(s.key);
                expected.put(s, merged(history, followed, after));
            }
            // Wait until each has as many events as it should, then make sure nothing else is on its way:
            // a pong is queued behind every event the hub offered before the ping.
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            for (Sub s : subs) {
                int want = expected.get(s).size();
                s.feed.awaitQuietly(m -> eventsAfterSubscribed(m).size() >= want, deadline);
            }
            subs.forEach(s -> s.feed.send("{\"action\":\"ping\"}"));
            List<String> problems = new ArrayList<>();
            int delivered = 0;
            for (Sub s : subs) {
                String who = s.feed.name + (s.jobId == null ? " (all jobs" : " (job " + s.jobId) + ", after " + s.after
                        + ")";
                if (!s.feed.awaitQuietly(m -> has(m, "pong"), deadline)) {
                    problems.add(who + ": no pong; closed: " + s.feed.closeCode());
                    continue;
                }
                List<JsonObject> got = s.feed.events();
                delivered += got.size();
                String problem = compare(expected.get(s), got);
                if (problem != null) {
                    problems.add(who + ": " + problem);
                }
                if (!caughtUp(s.feed.messages())) {
                    problems.add(who + ": never caught up");
                }
                if (s.feed.closeCode() != null) {
                    problems.add(who + ": closed with " + s.feed.closeCode());
                }
            }
            assertTrue(
                    problems.isEmpty(),
                    problems.size() + " of " + subs.size() + " subscribers did not get exactly " + "their events: "
                            + problems.subList(0, Math.min(10, problems.size())));
            assertTrue(delivered >= subs.size() * (progressReports + 2), "deliveries: " + delivered);
        } finally {
            subs.forEach(s -> s.feed.close());
        }
    }

    // 2. Many writers.

    @Test
    void sixteenWritersAtOnceAndAReconnectingSubscriberSeeEachJobInEventOrderWithoutGapOrDuplicate() throws Exception {
        int writers = 16;
        int jobsPerWriter = 2;
        int progressReports = 12; // per job, in two halves
        String key = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        List<String> jobs = new ArrayList<>();
        for (int j = 0; j < writers * jobsPerWriter; j++) {
            jobs.add(Api.submit(key, region));
        }
        String watchedJob = jobs.get(0);

        Feed all = Feed.subscribed("all jobs", key, null, 0L);
        List<Feed> singles = new ArrayList<>();
        for (String job : jobs.subList(1, 5)) {
            singles.add(Feed.subscribed("job " + job, key, job, 0L));
        }
        Feed resumer = Feed.subscribed("all jobs, reconnecting (first connection)", key, null, 0L);
        Feed jobResumer =
                Feed.subscribed("job " + watchedJob + ", reconnecting (first connection)", key, watchedJob, null);
        Feed resumed = null;
        Feed jobResumed = null;

        // Halfway through their progress reports the writers wait until the reconnecting subscribers have
        // gone; before the jobs' last state changes they wait until those are back and caught up. So events
        // are written while they are away, while they replay, and after they are live again.
        CountDownLatch gone = new CountDownLatch(1);
        CountDownLatch back = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        List<Future<List<String>>> written = new ArrayList<>();
        List<String> minerIds = new ArrayList<>();
        for (int w = 0; w < writers; w++) {
            minerIds.add(region + "-w" + w);
            Api.register(minerKey, minerIds.get(w), region, jobsPerWriter);
        }
        AutoCloseable beating = heartbeats(minerKey, minerIds);
        try {
            for (String minerId : minerIds) {
                written.add(
                        pool.submit(() -> writeJobs(minerKey, minerId, jobsPerWriter, progressReports, gone, back)));
            }

            resumer.await(m -> eventsAfterSubscribed(m).size() >= 150, PATIENCE, () -> "150 events");
            jobResumer.await(m -> eventsAfterSubscribed(m).size() >= 4, PATIENCE, () -> "4 events");
            resumer.close();
            jobResumer.close();
            List<JsonObject> before = resumer.events();
            List<JsonObject> jobBefore = jobResumer.events();
            long lastSeen = JobEventsIT.id(before.get(before.size() - 1));
            long jobLastSeen = JobEventsIT.id(jobBefore.get(jobBefore.size() - 1));
            gone.countDown();
            // Reconnect once there is something to replay for both.
            all.await(
                    m -> eventsAfterSubscribed(m).stream()
                            .anyMatch(e -> JobEventsIT.id(e) > lastSeen
                                    && e.getString("job_id").equals(watchedJob)
                                    && JobEventsIT.id(e) > jobLastSeen),
                    PATIENCE,
                    () -> "an event of " + watchedJob + " written after the disconnect");
            resumed = Feed.subscribed("all jobs, reconnected after " + lastSeen, key, null, lastSeen);
            jobResumed = Feed.subscribed(
                    "job " + watchedJob + ", reconnected after " + jobLastSeen, key, watchedJob, jobLastSeen);
            assertEquals(lastSeen, resumed.subscribedAfter());
            assertEquals(jobLastSeen, jobResumed.subscribedAfter());
            back.countDown();

            Set<String> claimed = new HashSet<>();
            for (Future<List<String>> f : written) {
                claimed.addAll(f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
            }
            assertEquals(new HashSet<>(jobs), claimed, "the writers drove every job");

            // The REST history: per job, its events in the order they were written.
            Map<String, List<JsonObject>> history = new LinkedHashMap<>();
            for (String job : jobs) {
                List<JsonObject> events = JobEventsIT.restEvents(key, job, 0);
                List<String> steps = events.stream()
                        .map(e -> e.getString("type") + ":" + e.getString("status")
                                + (e.getString("type").equals("progress") ? ":" + e.getInt("progress") : ""))
                        .toList();
                List<String> want = new ArrayList<>(List.of("status:pending", "status:assigned", "status:running"));
                for (int p = 1; p <= progressReports; p++) {
                    want.add("progress:running:" + p * 5);
                }
                want.add(steps.get(steps.size() - 1).equals("status:failed") ? "status:failed" : "status:completed");
                assertEquals(want, steps, "the history of " + job);
                assertEquals(null, compare(events, events), "the history of " + job + " is in event id order");
                history.put(job, events);
            }
            List<JsonObject> everything = merged(history, jobs, 0);

            // Every subscriber has exactly its events; a pong after them shows nothing else is coming.
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            Map<Feed, List<JsonObject>> expected = new LinkedHashMap<>();
            expected.put(all, everything);
            for (int i = 0; i < singles.size(); i++) {
                expected.put(singles.get(i), history.get(jobs.get(i + 1)));
            }
            expected.put(resumed, merged(history, jobs, lastSeen));
            expected.put(jobResumed, merged(history, List.of(watchedJob), jobLastSeen));
            for (Map.Entry<Feed, List<JsonObject>> e : expected.entrySet()) {
                int want = e.getValue().size();
                e.getKey().awaitQuietly(m -> eventsAfterSubscribed(m).size() >= want, deadline);
                e.getKey().send("{\"action\":\"ping\"}");
                e.getKey().await(m -> has(m, "pong"), PATIENCE, () -> "pong");
            }
            for (Map.Entry<Feed, List<JsonObject>> e : expected.entrySet()) {
                assertEquals(null, compare(e.getValue(), e.getKey().events()), e.getKey().name);
                assertEquals(null, e.getKey().closeCode(), e.getKey().name + " stays open");
            }

            // Across the reconnect: the first connection's events and the second's are the whole history,
            // each once, in order; the second replayed some and received some live.
            List<JsonObject> union = new ArrayList<>(before);
            union.addAll(resumed.events());
            assertEquals(null, compare(everything, union), "all jobs across the reconnect");
            List<JsonObject> jobUnion = new ArrayList<>(jobBefore);
            jobUnion.addAll(jobResumed.events());
            assertEquals(
                    null, compare(history.get(watchedJob), jobUnion), "job " + watchedJob + " across the reconnect");
            for (Feed f : List.of(resumed, jobResumed)) {
                int[] replayedAndLive = replayedAndLive(f.messages());
                assertTrue(replayedAndLive[0] > 0, f.name + " replayed what it missed: " + replayedAndLive[0]);
                assertTrue(replayedAndLive[1] > 0, f.name + " then received live events: " + replayedAndLive[1]);
            }
            assertTrue(before.size() < everything.size() - 1, "the first connection left midway: " + before.size());
        } finally {
            gone.countDown();
            back.countDown();
            pool.shutdownNow();
            beating.close();
            for (Feed f : new Feed[] {all, resumer, jobResumer, resumed, jobResumed}) {
                if (f != null) {
                    f.close();
                }
            }
            singles.forEach(Feed::close);
        }
    }

    /**
     * One writer: claims its jobs, starts them, reports progress on them in turns (half, then waits for
     * {@code gone}, then the other half), waits for {@code back}, then completes the first and fails the rest.
     */
    private static List<String> writeJobs(
            String minerKey, String minerId, int count, int progressReports, CountDownLatch gone, CountDownLatch back)
            throws InterruptedException {
        List<String> mine = new ArrayList<>();
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (mine.size() < count) {
            assertTrue(System.nanoTime() < deadline, minerId + " claimed only " + mine);
            String job = Api.poll(minerKey, minerId, 2);
            if (job != null) {
                mine.add(job);
            }
        }
        for (String job : mine) {
            minerPost(minerKey, minerId, job, "start", null);
        }
        for (int p = 1; p <= progressReports; p++) {
            if (p == progressReports / 2 + 1) {
                assertTrue(gone.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the reconnecting subscribers left");
            }
            for (String job : mine) {
                minerPost(
                        minerKey,
                        minerId,
                        job,
                        "progress",
                        "{\"progress\":" + p * 5 + ",\"message\":\"" + minerId + " step " + p + "\"}");
                pause(100, 200);
            }
        }
        assertTrue(back.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the reconnecting subscribers came back");
        for (int i = 0; i < mine.size(); i++) {
            if (i == 0) {
                minerPost(minerKey, minerId, mine.get(i), "result", "{\"result\":{\"text\":\"done\"},\"metrics\":{}}");
            } else {
                minerPost(
                        minerKey,
                        minerId,
                        mine.get(i),
                        "fail",
                        "{\"error_code\":\"OOM\",\"error_message\":\"out of memory\"}");
            }
        }
        return mine;
    }

    /**
     * Heartbeats for these miners every 2 s until closed, as real miners do while they work: the test server's
     * leases last 8 s, less than a slow moment of a loaded machine, and these tests are not about leases.
     */
    private static AutoCloseable heartbeats(String minerKey, List<String> minerIds) {
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
        beats.scheduleWithFixedDelay(
                () -> {
                    for (String id : minerIds) {
                        try {
                            Api.post("/v1/miners/heartbeat?miner_id=" + id, minerKey, "{\"inflight\":1}");
                        } catch (RuntimeException e) {
                            // the next beat tries again
                        }
                    }
                },
                0,
                2,
                TimeUnit.SECONDS);
        return beats::shutdownNow;
    }

    /**
     * A miner's pause between two reports, {@code min}-{@code max} ms: real miners report every few seconds,
     * not back to back. The writers still overlap all the time. Without it, sixteen writers keep every
     * request thread of the server busy on a loaded 2-core machine; the server completes each WebSocket
     * send on those same threads, so every subscriber then falls behind and is resynced (the server's
     * one-message-at-a-time sending cannot keep up), and quiet connections miss their pings and time out.
     */
    private static void pause(int min, int max) {
        Api.sleep(ThreadLocalRandom.current().nextInt(min, max + 1));
    }

    /** How many events came between {@code subscribed} and {@code caught_up} (replayed), and after it (live). */
    static int[] replayedAndLive(List<JsonObject> messages) {
        int[] counts = new int[2];
        int phase = -1;
        for (JsonObject m : messages) {
            String type = m.getString("type", "");
            if (phase == -1 && type.equals("subscribed")) {
                phase = 0;
            } else if (phase == 0 && type.equals("caught_up")) {
                phase = 1;
            } else if (phase >= 0 && isEvent(m)) {
                counts[phase]++;
            }
        }
        return counts;
    }

    // 3. A client that stops reading.

    @Test
    void aClientThatStopsReadingIsResyncedAndClosedWhileAFastClientKeepsReceivingEverything() throws Exception {
        // Four writers: enough to overflow the slow client within seconds, few enough that the server's
        // request threads are not all busy with them (a WebSocket send completes on the same threads).
        int jobCount = 4;
        String key = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String minerId = region + "-m";
        Api.register(minerKey, minerId, region, jobCount);
        List<String> jobs = new ArrayList<>();
        for (int j = 0; j < jobCount; j++) {
            jobs.add(Api.submit(key, region));
        }
        for (int j = 0; j < jobCount; j++) {
            String job = Api.poll(minerKey, minerId, 5);
            assertTrue(jobs.contains(job), "claimed " + job);
            minerPost(minerKey, minerId, job, "start", null);
        }

        AutoCloseable beating = heartbeats(minerKey, List.of(minerId));
        Feed fast = null;
        Feed again = null;
        ExecutorService pool = Executors.newFixedThreadPool(jobCount);
        AtomicInteger sequence = new AtomicInteger();
        Set<Integer> written = ConcurrentHashMap.newKeySet();
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<?>> writers = new ArrayList<>();
        ScheduledExecutorService slowPongs = Executors.newSingleThreadScheduledExecutor();
        try (RawClient slow = new RawClient(key)) {
            fast = Feed.subscribed("fast client", key, null, null);
            assertEquals("authenticated", slow.nextJson().getString("type"));
            slow.sendText("{\"action\":\"subscribe\"}");
            JsonObject ack = slow.nextJson();
            assertEquals("subscribed", ack.getString("type"), ack.toString());
            long slowAfter = ack.getJsonNumber("after_event_id").longValue();
            assertEquals("caught_up", slow.nextJson().getString("type"));

            // From here the slow client reads nothing. It still sends a pong now and then (unsolicited pongs
            // are a heartbeat, RFC 6455 5.5.3), as a live client whose application stalls would answer pings,
            // so that the test server's 3 s idle timeout does not close it before its queue overflows.
            slowPongs.scheduleWithFixedDelay(slow::heartbeat, 500, 500, TimeUnit.MILLISECONDS);
            double resyncsBefore = resyncs();

            // Progress reports with 1000-character messages of 3-byte characters (~3 KB an event), so that the
            // socket buffers between the server and the slow client fill after hundreds of events, not thousands.
            // Each message starts with a sequence number, to tell which write an event came from.
            String filler = "\u754c".repeat(992);
            for (String job : jobs) {
                writers.add(pool.submit(() -> {
                    while (!stop.get()) {
                        int seq = sequence.incrementAndGet();
                        minerPost(
                                minerKey,
                                minerId,
                                job,
                                "progress",
                                "{\"progress\":" + seq % 100 + ",\"message\":\"" + String.format("%07d ", seq) + filler
                                        + "\"}");
                        written.add(seq);
                    }
                    return null;
                }));
            }
            // The server counts resyncs: write until the slow client's queue has overflowed.
            long deadline = System.nanoTime() + PATIENCE.toNanos();
            while (resyncs() <= resyncsBefore) {
                assertTrue(System.nanoTime() < deadline, "no resync after " + written.size() + " events");
                for (Future<?> w : writers) {
                    if (w.isDone()) {
                        w.get(); // a writer failed: say why
                    }
                }
                Thread.sleep(50);
            }
            stop.set(true);
            Set<Integer> beforeOverflow = new HashSet<>(written);

            // Meanwhile the fast client was not held up: it already has (or gets within a moment) every event
            // written before the overflow, while the slow client still reads nothing. (The test server closes the
            // slow client 5 s after the overflow, so this wait is kept well below that.)
            fast.await(
                    m -> sequences(eventsAfterSubscribed(m)).containsAll(beforeOverflow),
                    Duration.ofMillis(3000),
                    () -> "the " + beforeOverflow.size() + " events written before the slow client's overflow");
            assertEquals(null, fast.closeCode(), "the fast client stays open");
            List<JsonObject> fastBeforeResume = fast.events();

            // The slow client reads again: the events that were already on their way, then the resync, then the close.
            slowPongs.shutdownNow();
            slowPongs.awaitTermination(5, TimeUnit.SECONDS);
            List<JsonObject> slowEvents = new ArrayList<>();
            JsonObject resync = null;
            int closeCode;
            while (true) {
                RawClient.Frame f = slow.read();
                if (f.opcode() == RawClient.CLOSE) {
                    closeCode = f.closeCode();
                    break;
                }
                if (f.opcode() != RawClient.TEXT) {
                    continue; // pings
                }
                JsonObject m = f.json();
                assertEquals(null, resync, "nothing but the close after the resync: " + m);
                if (isEvent(m)) {
                    slowEvents.add(m);
                } else {
                    assertEquals("resync", m.getString("type"), m.toString());
                    resync = m;
                }
            }
            for (Future<?> w : writers) {
                w.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            }
            // The jobs end, so that nothing (a lease running out) adds events while the test compares.
            for (String job : jobs) {
                minerPost(minerKey, minerId, job, "result", "{\"result\":{\"text\":\"done\"},\"metrics\":{}}");
            }
            Map<String, List<JsonObject>> history = new LinkedHashMap<>();
            for (String job : jobs) {
                history.put(job, JobEventsIT.restEvents(key, job, 0));
            }
            List<JsonObject> forSlow = merged(history, jobs, slowAfter);

            // What the slow client got is the start of its events, in order, without gaps; then the resync
            // naming the last of them, then a close 1013 (try again later).
            assertTrue(resync != null, "a resync message before the close");
            assertFalse(slowEvents.isEmpty(), "the slow client received events before it stopped reading");
            assertTrue(
                    slowEvents.size() < forSlow.size(),
                    "the slow client missed events: " + slowEvents.size() + " of " + forSlow.size());
            assertEquals(null, compare(forSlow.subList(0, slowEvents.size()), slowEvents), "the slow client's events");
            long lastReceived = JobEventsIT.id(slowEvents.get(slowEvents.size() - 1));
            assertEquals(
                    lastReceived,
                    resync.getJsonNumber("last_event_id").longValue(),
                    "the resync names the last event the client received: " + resync);
            assertEquals(1, resync.getJsonArray("subscriptions").size(), resync.toString());
            JsonObject cursor = resync.getJsonArray("subscriptions").getJsonObject(0);
            assertTrue(cursor.isNull("job_id"), "the all-jobs subscription: " + cursor);
            assertEquals(lastReceived, cursor.getJsonNumber("last_event_id").longValue(), resync.toString());
            assertFalse(resync.getString("message").isBlank());
            assertEquals(1013, closeCode, "closed with 1013 (try again later)");
            // The wait above covered the slow client's stall: the fast client had got most of a queue's worth of
            // events that the slow one had not, before the slow one read again.
            long aheadOfSlow = fastBeforeResume.stream()
                    .filter(e -> JobEventsIT.id(e) > lastReceived)
                    .count();
            assertTrue(aheadOfSlow >= 150, "events the fast client got while the slow one was stuck: " + aheadOfSlow);

            // Subscribing again after the resync's last_event_id gives exactly the rest.
            List<JsonObject> rest = forSlow.subList(slowEvents.size(), forSlow.size());
            again = Feed.subscribed(
                    "slow client, reconnected",
                    key,
                    null,
                    resync.getJsonNumber("last_event_id").longValue());
            again.await(m -> eventsAfterSubscribed(m).size() >= rest.size(), PATIENCE, () -> rest.size() + " events");
            assertEquals(null, compare(rest, again.events()), "the events missed, after reconnecting");

            // The fast client got everything, in order.
            List<JsonObject> forFast = merged(history, jobs, fast.subscribedAfter());
            fast.await(
                    m -> eventsAfterSubscribed(m).size() >= forFast.size(), PATIENCE, () -> forFast.size() + " events");
            fast.send("{\"action\":\"ping\"}");
            fast.await(m -> has(m, "pong"), PATIENCE, () -> "pong");
            assertEquals(null, compare(forFast, fast.events()), "the fast client's events");
            assertEquals(null, fast.closeCode(), "the fast client stays open");
        } finally {
            stop.set(true);
            pool.shutdownNow();
            slowPongs.shutdownNow();
            beating.close();
            if (fast != null) {
                fast.close();
            }
            if (again != null) {
                again.close();
            }
        }
    }

    private static double resyncs() {
        return JobEventsIT.metricValue(
                Api.get("/metrics?scope=application&name=aitbc.ws.resyncs", null)
                        .expect(200)
                        .body(),
                "aitbc_ws_resyncs_total");
    }

    /** The sequence numbers at the start of the events' messages. */
    private static Set<Integer> sequences(List<JsonObject> events) {
        Set<Integer> out = new HashSet<>();
        for (JsonObject e : events) {
            String message = e.isNull("message") ? "" : e.getString("message");
            if (message.length() > 7 && message.charAt(7) == ' ') {
                out.add(Integer.parseInt(message.substring(0, 7)));
            }
        }
        return out;
    }

    /** One miner's loop: claims jobs until none is left unclaimed, and drives each through its whole life. */
    private static int driveWholeJobs(String minerKey, String minerId, AtomicInteger unclaimed, int progressReports) {
        int done = 0;
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (unclaimed.get() > 0 && System.nanoTime() < deadline) {
            String job = Api.poll(minerKey, minerId, 1);
            if (job == null) {
                continue;
            }
            unclaimed.decrementAndGet();
            minerPost(minerKey, minerId, job, "start", null);
            for (int p = 1; p <= progressReports; p++) {
                minerPost(
                        minerKey,
                        minerId,
                        job,
                        "progress",
                        "{\"progress\":" + p * 10 + ",\"message\":\"step " + p + "\"}");
                pause(50, 100);
            }
            minerPost(minerKey, minerId, job, "result", "{\"result\":{\"text\":\"done\"},\"metrics\":{}}");
            done++;
        }
        return done;
    }

    private static void minerPost(String minerKey, String minerId, String job, String action, String body) {
        Api.post("/v1/miners/" + job + "/" + action + "?miner_id=" + minerId, minerKey, body)
                .expect(200);
    }

    // Helpers: comparing what a subscriber got with the REST history.

    /** The events of these jobs above {@code after}, in event id order. */
    static List<JsonObject> merged(Map<String, List<JsonObject>> history, List<String> jobs, long after) {
        List<JsonObject> out = new ArrayList<>();
        for (String job : jobs) {
            for (JsonObject e : history.get(job)) {
                if (JobEventsIT.id(e) > after) {
                    out.add(e);
                }
            }
        }
        out.sort(Comparator.comparingLong(JobEventsIT::id));
        return out;
    }

    /** Null when {@code got} is exactly {@code expected}; else what is wrong: order, duplicates, gaps, content. */
    static String compare(List<JsonObject> expected, List<JsonObject> got) {
        for (int i = 1; i < got.size(); i++) {
            if (JobEventsIT.id(got.get(i)) <= JobEventsIT.id(got.get(i - 1))) {
                return "event " + JobEventsIT.id(got.get(i)) + " came after " + JobEventsIT.id(got.get(i - 1))
                        + " (not strictly increasing)";
            }
        }
        if (expected.equals(got)) {
            return null;
        }
        List<Long> want = expected.stream().map(JobEventsIT::id).toList();
        List<Long> have = got.stream().map(JobEventsIT::id).toList();
        List<Long> missing = new ArrayList<>(want);
        missing.removeAll(new HashSet<>(have));
        List<Long> extra = new ArrayList<>(have);
        extra.removeAll(new HashSet<>(want));
        if (missing.isEmpty() && extra.isEmpty()) {
            for (int i = 0; i < got.size(); i++) {
                if (!got.get(i).equals(expected.get(i))) {
                    return "event differs from the REST history: got " + got.get(i) + ", REST says " + expected.get(i);
                }
            }
        }
        return "expected " + want.size() + " events, got " + have.size() + "; missing " + clip(missing)
                + ", unexpected " + clip(extra);
    }

    private static String clip(List<Long> ids) {
        return ids.size() <= 20 ? ids.toString() : ids.subList(0, 20) + "... (" + ids.size() + ")";
    }

    static boolean isEvent(JsonObject m) {
        return m.containsKey("event_id");
    }

    static boolean has(List<JsonObject> messages, String type) {
        return messages.stream().anyMatch(m -> type.equals(m.getString("type", "")));
    }

    /** The job events after the connection's {@code subscribed} acknowledgement (earlier ones came from the
     * connection's default all-jobs following, which the subscription replaced). */
    static List<JsonObject> eventsAfterSubscribed(List<JsonObject> messages) {
        List<JsonObject> out = new ArrayList<>();
        boolean subscribed = false;
        for (JsonObject m : messages) {
            if (!subscribed) {
                subscribed = "subscribed".equals(m.getString("type", ""));
            } else if (isEvent(m)) {
                out.add(m);
            }
        }
        return out;
    }

    /** Whether a {@code caught_up} came after the {@code subscribed} acknowledgement. */
    static boolean caughtUp(List<JsonObject> messages) {
        boolean subscribed = false;
        for (JsonObject m : messages) {
            String type = m.getString("type", "");
            subscribed |= type.equals("subscribed");
            if (subscribed && type.equals("caught_up")) {
                return true;
            }
        }
        return false;
    }

    /**
     * One WebSocket connection ({@code java.net.http}) that keeps every text message it receives, in
     * order, and reads as fast as messages come.
     */
    static final class Feed implements WebSocket.Listener {
        final String name;
        private final List<JsonObject> messages = new ArrayList<>();
        private final StringBuilder partial = new StringBuilder();
        private final CompletableFuture<Integer> closed = new CompletableFuture<>();
        private volatile WebSocket ws;
        private volatile Throwable error;

        private Feed(String name) {
            this.name = name;
        }

        static CompletableFuture<Feed> connect(String name, String key) {
            Feed f = new Feed(name);
            return WS_HTTP.newWebSocketBuilder()
                    .header("X-Api-Key", key)
                    .connectTimeout(Duration.ofSeconds(30))
                    .buildAsync(URI.create(WsClient.WS_BASE), f)
                    .thenApply(ws -> f);
        }

        /** Connects, waits for {@code authenticated}, subscribes and waits for {@code caught_up}. */
        static Feed subscribed(String name, String key, String jobId, Long after) throws Exception {
            Feed f = connect(name, key).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
            f.await(m -> has(m, "authenticated"), PATIENCE, () -> "authenticated");
            f.subscribe(jobId, after);
            f.await(JobEventsLoadIT::caughtUp, PATIENCE, () -> "caught_up");
            return f;
        }

        @Override
        public void onOpen(WebSocket webSocket) {
            ws = webSocket;
            webSocket.request(1);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                JsonObject m;
                try (JsonReader r = Json.createReader(new StringReader(partial.toString()))) {
                    m = r.readObject();
                }
                partial.setLength(0);
                synchronized (this) {
                    messages.add(m);
                    notifyAll();
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            closed.complete(statusCode);
            synchronized (this) {
                notifyAll();
            }
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            this.error = error;
            closed.complete(-1);
            synchronized (this) {
                notifyAll();
            }
        }

        void send(String text) {
            try {
                ws.sendText(text, true).get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new AssertionError(name + ": sending " + text + " failed", e);
            }
        }

        void subscribe(String jobId, Long after) {
            send("{\"action\":\"subscribe\"" + (jobId == null ? "" : ",\"job_id\":\"" + jobId + "\"")
                    + (after == null ? "" : ",\"after_event_id\":" + after) + "}");
        }

        synchronized List<JsonObject> messages() {
            return new ArrayList<>(messages);
        }

        /** The events that belong to the subscription (see {@link #eventsAfterSubscribed}). */
        List<JsonObject> events() {
            return eventsAfterSubscribed(messages());
        }

        /** The {@code after_event_id} the server acknowledged for the subscription. */
        long subscribedAfter() {
            return messages().stream()
                    .filter(m -> "subscribed".equals(m.getString("type", "")))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name + ": not subscribed"))
                    .getJsonNumber("after_event_id")
                    .longValue();
        }

        /** The close code, or null while open. */
        Integer closeCode() {
            return closed.getNow(null);
        }

        /** Waits until the condition holds on the messages so far; false at the deadline or once closed. */
        synchronized boolean awaitQuietly(Predicate<List<JsonObject>> condition, long deadlineNanos) {
            while (!condition.test(messages)) {
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0 || closed.isDone()) {
                    return false;
                }
                try {
                    wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }

        void await(Predicate<List<JsonObject>> condition, Duration timeout, Supplier<String> what) {
            if (!awaitQuietly(condition, System.nanoTime() + timeout.toNanos())) {
                List<JsonObject> m = messages();
                fail(name + ": " + what.get() + " not within " + timeout
                        + (closed.isDone()
                                ? "; closed with " + closed.getNow(0) + (error == null ? "" : " (" + error + ")")
                                : "")
                        + "; " + m.size()
                        + " messages, the last: "
                        + m.subList(Math.max(0, m.size() - 3), m.size()));
            }
        }

        /** Closes the connection and waits until the server has answered (or gives up and drops it). */
        void close() {
            WebSocket w = ws;
            if (w == null) {
                return;
            }
            if (!w.isOutputClosed()) {
                try {
                    w.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
                    closed.get(5, TimeUnit.SECONDS);
                } catch (Exception e) {
                    // dropped below
                }
            }
            w.abort();
        }
    }

    /**
     * A WebSocket client on a plain socket (RFC 6455 framing written out here), so that the test decides
     * when it reads: the socket has a small receive buffer, and between reads nothing is taken from it.
     */
    static final class RawClient implements AutoCloseable {
        static final int TEXT = 1;
        static final int CLOSE = 8;
        static final int PONG = 10;

        /** One message: its opcode and (for fragmented text, reassembled) payload. */
        record Frame(int opcode, byte[] payload) {
            JsonObject json() {
                try (JsonReader r = Json.createReader(new StringReader(new String(payload, StandardCharsets.UTF_8)))) {
                    return r.readObject();
                }
            }

            int closeCode() {
                return payload.length >= 2 ? (payload[0] & 0xff) << 8 | (payload[1] & 0xff) : 1005;
            }
        }

        private final Socket socket;
        private final DataInputStream in;
        private final OutputStream out;
        private final SecureRandom random = new SecureRandom();

        RawClient(String key) throws IOException {
            URI uri = URI.create(WsClient.WS_BASE);
            socket = new Socket();
            socket.setReceiveBufferSize(4096);
            socket.setSoTimeout(30_000);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 10_000);
            out = socket.getOutputStream();
            in = new DataInputStream(new BufferedInputStream(socket.getInputStream(), 4096));
            byte[] nonce = new byte[16];
            random.nextBytes(nonce);
            String handshake = "GET " + uri.getRawPath() + " HTTP/1.1\r\nHost: " + uri.getHost() + ":" + uri.getPort()
                    + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
                    + Base64.getEncoder().encodeToString(nonce) + "\r\nX-Api-Key: " + key + "\r\n\r\n";
            synchronized (this) {
                out.write(handshake.getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            StringBuilder head = new StringBuilder();
            while (head.length() < 4 || !head.substring(head.length() - 4).equals("\r\n\r\n")) {
                int b = in.read();
                if (b < 0) {
                    throw new EOFException("the server closed during the handshake: " + head);
                }
                head.append((char) b);
            }
            assertTrue(head.toString().startsWith("HTTP/1.1 101"), "upgraded: " + head);
        }

        /** The next message (control frames, which may come between fragments, are returned on their own). */
        Frame read() throws IOException {
            ByteArrayOutputStream message = new ByteArrayOutputStream();
            int opcode = -1;
            while (true) {
                int b0 = in.readUnsignedByte();
                int b1 = in.readUnsignedByte();
                assertEquals(0, b1 & 0x80, "server frames are not masked");
                long length = b1 & 0x7f;
                if (length == 126) {
                    length = in.readUnsignedShort();
                } else if (length == 127) {
                    length = in.readLong();
                }
                byte[] payload = new byte[Math.toIntExact(length)];
                in.readFully(payload);
                int op = b0 & 0x0f;
                if (op >= 8) {
                    return new Frame(op, payload);
                }
                if (op != 0) {
                    opcode = op;
                }
                message.write(payload);
                if ((b0 & 0x80) != 0) {
                    return new Frame(opcode, message.toByteArray());
                }
            }
        }

        /** The next text message as JSON, skipping pings. */
        JsonObject nextJson() throws IOException {
            while (true) {
                Frame f = read();
                assertTrue(f.opcode() != CLOSE, "closed with " + f.closeCode());
                if (f.opcode() == TEXT) {
                    return f.json();
                }
            }
        }

        void sendText(String text) throws IOException {
            send(TEXT, text.getBytes(StandardCharsets.UTF_8));
        }

        /** An unsolicited pong, which the server takes as a sign of life and otherwise ignores. */
        void heartbeat() {
            try {
                send(PONG, new byte[0]);
            } catch (IOException e) {
                // the connection is closing; the test sees that when it reads
            }
        }

        /** One frame, masked as a client's must be. */
        private synchronized void send(int opcode, byte[] payload) throws IOException {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(0x80 | opcode);
            if (payload.length < 126) {
                frame.write(0x80 | payload.length);
            } else {
                frame.write(0x80 | 126);
                frame.write(payload.length >> 8);
                frame.write(payload.length & 0xff);
            }
            byte[] mask = new byte[4];
            random.nextBytes(mask);
            frame.write(mask);
            for (int i = 0; i < payload.length; i++) {
                frame.write(payload[i] ^ mask[i % 4]);
            }
            out.write(frame.toByteArray());
            out.flush();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
