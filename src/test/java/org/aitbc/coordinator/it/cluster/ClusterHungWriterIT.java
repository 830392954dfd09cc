package org.aitbc.coordinator.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.ClusterScript;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A server that hangs inside a transaction (SIGSTOP, a cut network) keeps its row locks until
 * PostgreSQL ends its session. The chaos test found the leader's sweep waiting on such a lock with
 * no end: it held the leadership lease row meanwhile, and the health check, which asked the sweeper
 * timer for its next run, waited behind the sweep, so {@code /health/live} hung. Here the test
 * itself is the hung writer: it locks one job's row in a transaction of its own and keeps it open.
 * Both jobs' leases run out; the other job must be requeued as usual, every server's liveness must
 * keep answering, and the held job is requeued once the lock is gone.
 */
@ExtendWith(ClusterScript.class)
@Order(6)
public class ClusterHungWriterIT {
    private static ClusterScript cluster;

    @BeforeAll
    static void up() {
        cluster = ClusterScript.current();
    }

    @Test
    void aRowLockedByAHungWriterStallsNeitherTheSweepNorLiveness() throws Exception {
        String lb = cluster.lb();
        String client = admin("{\"role\":\"client\",\"plan\":\"enterprise\",\"name\":\"hung-writer-client\"}");
        String minerKey = admin("{\"role\":\"miner\",\"name\":\"hung-writer-miner\"}");
        String region = "hung-" + UUID.randomUUID().toString().substring(0, 8);
        String q = "?miner_id=" + region + "-m";
        ClusterScript.registerMiner(lb, q, minerKey, region);
        String held = submit(lb, client, region);
        String free = submit(lb, client, region);
        for (String job : new String[] {held, free}) {
            assertEquals(job, ClusterScript.claimUntil(lb, q, minerKey, job), "the miner claimed " + job);
            assertEquals(
                    200,
                    call(lb, "POST", "/v1/miners/" + job + "/start" + q, minerKey, null)
                            .status());
        }
        // The miner goes silent; the test holds one job's row as a hung server's transaction would.
        try (Connection hung = cluster.db()) {
            hung.setAutoCommit(false);
            try (PreparedStatement ps = hung.prepareStatement("SELECT ID FROM JOB WHERE ID = ? FOR UPDATE")) {
                ps.setString(1, held);
                try (ResultSet rs = ps.executeQuery()) {
                    assertTrue(rs.next(), "the job's row exists");
                }
            }
            long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            String freeStatus = "running";
            long slowest = 0;
            while (System.nanoTime() < until && !freeStatus.equals("pending")) {
                slowest = Math.max(slowest, livenessEverywhere());
                freeStatus = status(lb, client, free);
                Api.sleep(500);
            }
            assertEquals("pending", freeStatus, "the job whose row nobody holds was requeued");
            slowest = Math.max(slowest, livenessEverywhere());
            assertEquals("running", status(lb, client, held), "the held job waits for its row");
            System.out.println("[hung-writer] the free job was requeued while the other's row was held; "
                    + "slowest liveness answer " + slowest + " ms");
            hung.rollback();
        }
        long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String heldStatus = "running";
        while (System.nanoTime() < until && !heldStatus.equals("pending")) {
            Api.sleep(500);
            heldStatus = status(lb, client, held);
        }
        assertEquals("pending", heldStatus, "the held job is requeued once its row is free");
    }

    /** Asks every server's liveness; each must answer 200 within 3 s. Returns the slowest, in ms. */
    private static long livenessEverywhere() {
        long slowest = 0;
        for (int i = 0; i < cluster.size(); i++) {
            long t0 = System.nanoTime();
            Api.Res r = ClusterScript.tryCall(
                    cluster.url(i), "GET", "/health/live", null, null, Map.of(), Duration.ofSeconds(3));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertNotNull(r, cluster.server(i) + "'s /health/live did not answer within 3 s");
            assertEquals(200, r.status(), cluster.server(i) + ": " + r.body());
            slowest = Math.max(slowest, ms);
        }
        return slowest;
    }

    private static String submit(String lb, String client, String region) {
        Api.Res r = call(
                lb,
                "POST",
                "/v1/jobs",
                client,
                "{\"model\":\"gpt2\",\"input\":\"held\",\"requirements\":{\"region\":\"" + region + "\"}}");
        assertEquals(201, r.status(), r.body());
        return r.str("job_id");
    }

    private static String status(String lb, String client, String job) {
        Api.Res r = call(lb, "GET", "/v1/jobs/" + job, client, null);
        assertEquals(200, r.status(), r.body());
        return r.json().getString("status");
    }

    private static String admin(String body) {
        Api.Res r = call(cluster.lb(), "POST", "/v1/admin/accounts", cluster.adminKey(), body);
        assertEquals(201, r.status(), r.body());
        return r.str("api_key");
    }

    private static Api.Res call(String base, String method, String path, String key, String body) {
        Api.Res r = ClusterScript.tryCall(base, method, path, key, body, Map.of(), Duration.ofSeconds(20));
        assertNotNull(r, method + " " + base + path + ": no answer");
        return r;
    }
}
