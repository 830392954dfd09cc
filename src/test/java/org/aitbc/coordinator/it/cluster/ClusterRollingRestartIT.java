package org.aitbc.coordinator.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.ClusterScript;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rolling restart (issue 16 item 6): with clients and miners working through nginx and a
 * WebSocket subscriber following every event, each server in turn is stopped cleanly and started
 * again ({@code scripts/cluster.sh restart NAME}, what docs/DEPLOYMENT.md tells operators to do).
 * No operation a client retried per {@code Retry-After} is lost, nothing answers 500, every job
 * answered 201 exists with one valid history, no job is held twice, and the subscriber, which
 * reconnects with its last event id, receives every event once.
 */
@ExtendWith(ClusterScript.class)
@Order(4)
public class ClusterRollingRestartIT {
    private static ClusterScript cluster;

    @BeforeAll
    static void up() {
        cluster = ClusterScript.current();
    }

    @Test
    void restartingTheServersOneAtATimeLosesNoRequestAndNoEvent() throws Exception {
        ClusterChecks checks = new ClusterChecks(cluster);
        String lb = cluster.lb();
        String client = admin("{\"role\":\"client\",\"plan\":\"enterprise\",\"name\":\"rolling-client\"}");
        String minerKey = admin("{\"role\":\"miner\",\"name\":\"rolling-miners\"}");
        String region = "rolling-" + UUID.randomUUID().toString().substring(0, 8);
        long logStart = checks.lastLogId();
        Traffic traffic;
        long[] restartMs = new long[cluster.size()];
        try (FeedWatcher watcher = new FeedWatcher(lb, client).start()) {
            traffic = new Traffic(lb, client, minerKey, region).start(2, 3, 300);
            Api.sleep(3000);
            for (int i = 0; i < cluster.size(); i++) {
                long t = System.nanoTime();
                cluster.run(Duration.ofMinutes(3), "restart", cluster.server(i));
                restartMs[i] = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t);
            }
            Api.sleep(2000);
            traffic.stopSubmitting();
            Api.sleep(3000);
            traffic.stop();

            var states = checks.jobsAreWhole(traffic);
            int holds = checks.noOverlappingHolds(traffic);
            int events = checks.everyEventOnce(traffic, watcher, 20_000);
            checks.noServerErrorAndNothingLost(traffic);
            int epochs = checks.oneLeaderAtATime(logStart);
            assertTrue(traffic.created.size() > 20, "clients kept submitting: " + traffic.created.size());
            assertTrue(watcher.connections() >= 1, "the subscriber was connected");
            long longest = traffic.longestOperation(0, Long.MAX_VALUE);
            System.out.println("[rolling] restarts " + java.util.Arrays.toString(restartMs) + " ms; "
                    + traffic.requests.get() + " requests by status " + traffic.statusCounts() + "; "
                    + traffic.created.size() + " jobs answered 201, " + traffic.replayed.size()
                    + " resent submissions answered 200; states " + states + "; " + holds + " holds; "
                    + events + " events each once over " + watcher.connections() + " WebSocket connections; "
                    + epochs + " leader epochs; longest client operation " + longest + " ms");
        }
    }

    private static String admin(String body) {
        Api.Res r = ClusterScript.tryCall(
                cluster.lb(), "POST", "/v1/admin/accounts", cluster.adminKey(), body, Map.of(), Duration.ofSeconds(20));
        assertTrue(r != null, "the admin route answers");
        assertEquals(201, r.status(), r.body());
        return r.str("api_key");
    }
}
