package org.aitbc.coordinator.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket feed under load, with real clients against the real server: 200 subscribers at
 * once while jobs run; sixteen writers at once while subscribers (one of them reconnecting
 * midway) follow.
 *
 * <p>What every subscriber received is compared with {@code GET /v1/jobs/{id}/events}: the same
 * events, in strictly increasing {@code event_id} order, none missing, none twice.
 */
public class JobEventsLoadIT {
    /** The test's WebSocket connections have a client of their own, apart from the REST calls'. */
    private static final HttpClient WS_HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
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
        CompletableFuture.allOf(connecting.toArray(CompletableFuture[]::new)).get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
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
            double open = JobEventsIT.metricValue(Api.get("/metrics?scope=application&name=aitbc.ws.sessions", null)
                    .expect(200).body(), "aitbc_ws_sessions");
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
                String who = s.feed.name + (s.jobId == null ? " (all jobs" : " (job " + s.jobId) + ", after "
                        + s.after + ")";
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
            assertTrue(problems.isEmpty(), problems.size() + " of " + subs.size() + " subscribers did not get exactly "
                    + "their events: " + problems.subList(0, Math.min(10, problems.size())));
            assertTrue(delivered >= subs.size() * (progressReports + 2), "deliveries: " + delivered);
        } finally {
            subs.forEach(s -> s.feed.close());
        }
    }

    // 2. Many writers.

    @Test
    void sixteenWritersAtOnceAndAReconnectingSubscriberSeeEachJobInEventOrderWithoutGapOrDuplicate()
            throws Exception {
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
        Feed jobResumer = Feed.subscribed("job " + watchedJob + ", reconnecting (first connection)", key, watchedJob, null);
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
                written.add(pool.submit(() -> writeJobs(minerKey, minerId, jobsPerWriter, progressReports, gone, back)));
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
            all.await(m -> eventsAfterSubscribed(m).stream().anyMatch(e -> JobEventsIT.id(e) > lastSeen
                    && e.getString("job_id").equals(watchedJob) && JobEventsIT.id(e) > jobLastSeen),
                    PATIENCE, () -> "an event of " + watchedJob + " written after the disconnect");
            resumed = Feed.subscribed("all jobs, reconnected after " + lastSeen, key, null, lastSeen);
            jobResumed = Feed.subscribed("job " + watchedJob + ", reconnected after " + jobLastSeen, key, watchedJob,
                    jobLastSeen);
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
                List<String> steps = events.stream().map(e -> e.getString("type") + ":" + e.getString("status")
                        + (e.getString("type").equals("progress") ? ":" + e.getInt("progress") : "")).toList();
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
            assertEquals(null, compare(history.get(watchedJob), jobUnion), "job " + watchedJob + " across the reconnect");
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
    private static List<String> writeJobs(String minerKey, String minerId, int count, int progressReports,
                                          CountDownLatch gone, CountDownLatch back) throws InterruptedException {
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
                minerPost(minerKey, minerId, job, "progress", "{\"progress\":" + p * 5 + ",\"message\":\"" + minerId
                        + " step " + p + "\"}");
                pause(100, 200);
            }
        }
        assertTrue(back.await(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the reconnecting subscribers came back");
        for (int i = 0; i < mine.size(); i++) {
            if (i == 0) {
                minerPost(minerKey, minerId, mine.get(i), "result", "{\"result\":{\"text\":\"done\"},\"metrics\":{}}");
            } else {
                minerPost(minerKey, minerId, mine.get(i), "fail", "{\"error_code\":\"OOM\",\"error_message\":\"out of memory\"}");
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
        beats.scheduleWithFixedDelay(() -> {
            for (String id : minerIds) {
                try {
                    Api.post("/v1/miners/heartbeat?miner_id=" + id, minerKey, "{\"inflight\":1}");
                } catch (RuntimeException e) {
                    // the next beat tries again
                }
            }
        }, 0, 2, TimeUnit.SECONDS);
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
                minerPost(minerKey, minerId, job, "progress", "{\"progress\":" + p * 10 + ",\"message\":\"step " + p + "\"}");
                pause(50, 100);
            }
            minerPost(minerKey, minerId, job, "result", "{\"result\":{\"text\":\"done\"},\"metrics\":{}}");
            done++;
        }
        return done;
    }

    private static void minerPost(String minerKey, String minerId, String job, String action, String body) {
        Api.post("/v1/miners/" + job + "/" + action + "?miner_id=" + minerId, minerKey, body).expect(200);
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
        return "expected " + want.size() + " events, got " + have.size() + "; missing " + clip(missing) + ", unexpected "
                + clip(extra);
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
            return WS_HTTP.newWebSocketBuilder().header("X-Api-Key", key).connectTimeout(Duration.ofSeconds(30))
                    .buildAsync(URI.create(WsClient.WS_BASE), f).thenApply(ws -> f);
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
            return messages().stream().filter(m -> "subscribed".equals(m.getString("type", ""))).findFirst()
                    .orElseThrow(() -> new AssertionError(name + ": not subscribed"))
                    .getJsonNumber("after_event_id").longValue();
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
                fail(name + ": " + what.get() + " not within " + timeout + (closed.isDone() ? "; closed with "
                        + closed.getNow(0) + (error == null ? "" : " (" + error + ")") : "") + "; " + m.size()
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
}
