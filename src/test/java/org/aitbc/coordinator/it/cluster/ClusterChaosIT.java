package org.aitbc.coordinator.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.ClusterScript;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Repeated faults under load (issue 16 item 5): while clients submit and miners work continuously
 * through nginx ({@link Traffic}) and a WebSocket subscriber follows every event ({@link
 * FeedWatcher}), the test in turn SIGKILLs a random server and starts it again, SIGSTOPs the leader
 * for longer than its lease (until another server leads) and resumes it, restarts PostgreSQL and restarts nginx. Then, from the
 * database: every job answered 201 exists with one valid history (one final state at most), no job
 * was held by two miners at once, the subscriber got every event once, no answer was a 500, and
 * the leader's terms in {@code LEADER_LOG} never overlapped. The figures are printed (requests,
 * faults, the longest wait of an operation per fault kind) for docs/DEPLOYMENT.md.
 *
 * <p>One round of the four faults in CI (about two minutes); {@code -Dchaos.minutes=N} repeats
 * rounds for N minutes.
 */
@ExtendWith(ClusterScript.class)
@Order(3)
public class ClusterChaosIT {
    /** The leadership lease of the test settings (the default). */
    private static final int LEASE_S = 10;

    private static ClusterScript cluster;

    @BeforeAll
    static void up() {
        cluster = ClusterScript.current();
    }

    @Test
    void repeatedFaultsUnderLoadLoseNothingAndNeverDoubleAnything() throws Exception {
        double minutes = Double.parseDouble(System.getProperty("chaos.minutes", "0"));
        long seed = Long.getLong("chaos.seed", System.currentTimeMillis());
        Random random = new Random(seed);
        ClusterChecks checks = new ClusterChecks(cluster);
        String lb = cluster.lb();
        String client = admin("{\"role\":\"client\",\"plan\":\"enterprise\",\"name\":\"chaos-client\"}");
        String minerKey = admin("{\"role\":\"miner\",\"name\":\"chaos-miners\"}");
        String region = "chaos-" + UUID.randomUUID().toString().substring(0, 8);
        long logStart = checks.lastLogId();
        long began = System.currentTimeMillis();

        /** Per fault kind: how often, and the longest operation that started while it lasted. */
        Map<String, long[]> faults = new LinkedHashMap<>();
        List<String> timeline = new ArrayList<>();
        List<String> handovers = new ArrayList<>();
        Traffic traffic;
        try (FeedWatcher watcher = new FeedWatcher(lb, client).start()) {
            traffic = new Traffic(lb, client, minerKey, region).start(3, 4, 400);
            Api.sleep(6000);
            long until = began + (long) (minutes * 60_000);
            do {
                // 1. SIGKILL of a random server, started again (its miners' leases are swept).
                int victim = random.nextInt(cluster.size());
                fault(faults, timeline, traffic, "SIGKILL a server, start it again", () -> {
                    cluster.run(Duration.ofSeconds(30), "kill", cluster.server(victim));
                    Api.sleep(2000);
                    cluster.run(Duration.ofMinutes(4), "start", cluster.server(victim));
                });
                Api.sleep(3000);
                // 2. SIGSTOP of the leader past its lease: another server takes over; resumed, it follows.
                int leader = leader();
                fault(faults, timeline, traffic, "SIGSTOP the leader until another leads, resume", () -> {
                    cluster.run(Duration.ofSeconds(30), "pause", cluster.server(leader));
                    long paused = System.nanoTime();
                    try {
                        // At least lease + 4 s; longer if the take-over is slower (a loaded machine, or
                        // the paused leader holding the lease row until PostgreSQL ends its session).
                        Api.sleep((LEASE_S + 4) * 1000L);
                        int next = leaderOtherThan(leader, Duration.ofSeconds(60));
                        handovers.add("server " + next + " led " + (System.nanoTime() - paused) / 1_000_000
                                + " ms after the pause");
                    } finally {
                        cluster.run(Duration.ofSeconds(30), "resume", cluster.server(leader));
                    }
                });
                Api.sleep(3000);
                // 3. PostgreSQL restarted: 503 with Retry-After while it is away.
                fault(faults, timeline, traffic, "restart PostgreSQL", () -> {
                    cluster.run(Duration.ofMinutes(1), "db-stop");
                    Api.sleep(2000);
                    cluster.run(Duration.ofMinutes(1), "db-start");
                });
                Api.sleep(4000);
                // 4. nginx restarted: every connection through it breaks.
                fault(faults, timeline, traffic, "restart nginx", () -> {
                    cluster.run(Duration.ofMinutes(1), "lb-restart");
                });
                Api.sleep(3000);
            } while (System.currentTimeMillis() < until);

            traffic.stopSubmitting();
            // Miners work the queue off for a while; what is left is legitimately active.
            Api.sleep(6000);
            traffic.stop();
            long workMs = System.currentTimeMillis() - began;

            // ---- the checks, from data ----
            Map<String, Integer> states = checks.jobsAreWhole(traffic);
            int holds = checks.noOverlappingHolds(traffic);
            int events = checks.everyEventOnce(traffic, watcher, 30_000);
            checks.noServerErrorAndNothingLost(traffic);
            int epochs = checks.oneLeaderAtATime(logStart);
            int takeOvers = checks.takeOvers(logStart);
            assertTrue(takeOvers >= 1, "the leadership was taken over at least once (SIGSTOP of the leader)");
            assertTrue(traffic.created.size() > 50, "clients kept submitting: " + traffic.created.size());
            assertTrue(traffic.completed.get() > 20, "miners kept completing: " + traffic.completed.get());
            for (String kind : List.of("SIGKILL", "SIGSTOP", "PostgreSQL", "nginx")) {
                assertTrue(faults.keySet().stream().anyMatch(k -> k.contains(kind)), kind + " fault ran");
            }

            System.out.println("[chaos] seed " + seed + ", " + (workMs / 1000) + " s of traffic, "
                    + traffic.requests.get() + " requests by status " + traffic.statusCounts() + ", "
                    + traffic.created.size() + " jobs answered 201 (" + traffic.replayed.size()
                    + " resent submissions answered 200 with the first job), " + traffic.completed.get()
                    + " completed by miners; states " + states + "; " + holds + " holds without overlap; " + events
                    + " events each delivered once over " + watcher.connections() + " WebSocket connections; "
                    + epochs + " leader epochs in the log without overlap, " + takeOvers + " take-overs");
            faults.forEach((kind, f) -> System.out.println("[chaos] fault '" + kind + "': " + f[0]
                    + " times, longest fault " + f[1] + " ms, longest client operation started during it "
                    + f[2] + " ms"));
            timeline.forEach(line -> System.out.println("[chaos] " + line));
            handovers.forEach(line -> System.out.println("[chaos] take-over: " + line));
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /**
     * Runs one fault and records it: the longest operation that started from its beginning until a
     * few seconds after it ended (an operation waits out the fault with its retries).
     */
    private static void fault(Map<String, long[]> faults, List<String> timeline, Traffic t, String kind, Step step)
            throws Exception {
        long from = System.currentTimeMillis();
        step.run();
        long to = System.currentTimeMillis();
        Api.sleep(2000);
        long longest = t.longestOperation(from, to + 2000);
        long[] f = faults.computeIfAbsent(kind.replaceAll("the leader .*", "the leader"), k -> new long[3]);
        f[0]++;
        f[1] = Math.max(f[1], to - from);
        f[2] = Math.max(f[2], longest);
        timeline.add(kind + ": " + (to - from) + " ms; longest operation " + longest + " ms; " + t.requests.get()
                + " requests so far");
    }

    /** The server that leads now (asked of each server's liveness data). */
    private static int leader() {
        long until = System.nanoTime() + Duration.ofSeconds(40).toNanos();
        while (System.nanoTime() < until) {
            for (int i = 0; i < cluster.size(); i++) {
                Api.Res r = ClusterScript.tryCall(
                        cluster.url(i), "GET", "/health/live", null, null, Map.of(), Duration.ofSeconds(5));
                if (r != null && r.status() == 200 && sweeper(r).getBoolean("leads")) {
                    return i;
                }
            }
            Api.sleep(500);
        }
        throw new AssertionError("no server leads");
    }

    /**
     * Waits until a server other than {@code paused} says it leads, and returns it; fails when none
     * does within {@code max} (the leadership would not move off a hung leader).
     */
    private static int leaderOtherThan(int paused, Duration max) {
        long until = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < until) {
            for (int i = 0; i < cluster.size(); i++) {
                if (i == paused) {
                    continue;
                }
                Api.Res r = ClusterScript.tryCall(
                        cluster.url(i), "GET", "/health/live", null, null, Map.of(), Duration.ofSeconds(5));
                if (r != null && r.status() == 200 && sweeper(r).getBoolean("leads")) {
                    return i;
                }
            }
            Api.sleep(250);
        }
        throw new AssertionError("no other server took the leadership within " + max + " of a hung leader");
    }

    private static JsonObject sweeper(Api.Res live) {
        JsonArray checks = live.json().getJsonArray("checks");
        for (int k = 0; k < checks.size(); k++) {
            JsonObject check = checks.getJsonObject(k);
            if ("lease-sweeper".equals(check.getString("name"))) {
                return check.getJsonObject("data");
            }
        }
        throw new AssertionError("no lease-sweeper check in " + live.body());
    }

    private static String admin(String body) {
        Api.Res r = ClusterScript.tryCall(
                cluster.lb(), "POST", "/v1/admin/accounts", cluster.adminKey(), body, Map.of(), Duration.ofSeconds(20));
        assertTrue(r != null, "the admin route answers");
        assertEquals(201, r.status(), r.body());
        return r.str("api_key");
    }
}
