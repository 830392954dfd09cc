package org.aitbc.coordinator.it.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.ClusterScript;

/**
 * What the fault tests assert at the end, read from the database of the cluster and from what the
 * {@link Traffic} and the {@link FeedWatcher} saw: jobs, holds, events, answers and leader terms.
 */
final class ClusterChecks {
    private final ClusterScript cluster;

    ClusterChecks(ClusterScript cluster) {
        this.cluster = cluster;
    }

    /**
     * Every job answered 201 exists, one per idempotency key, and its status events are one valid
     * history with at most one final state, the last being the job's state; returns the states.
     */
    Map<String, Integer> jobsAreWhole(Traffic t) throws SQLException {
        Map<String, String> state = new HashMap<>();
        Map<String, List<String>> statuses = new HashMap<>();
        try (Connection c = cluster.db()) {
            try (PreparedStatement ps =
                    c.prepareStatement("SELECT ID, STATE, IDEMPOTENCY_KEY FROM JOB WHERE REGION = ?")) {
                ps.setString(1, t.region);
                try (ResultSet rs = ps.executeQuery()) {
                    Set<String> keys = new HashSet<>();
                    while (rs.next()) {
                        state.put(rs.getString(1), rs.getString(2));
                        assertTrue(keys.add(rs.getString(3)), "one job per idempotency key: " + rs.getString(3));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT e.JOB_ID, e.STATUS FROM JOB_EVENT e JOIN JOB j"
                    + " ON j.ID = e.JOB_ID WHERE j.REGION = ? AND e.TYPE = 'status' ORDER BY e.ID")) {
                ps.setString(1, t.region);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        statuses.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(rs.getString(2));
                    }
                }
            }
        }
        Set<String> answered = new HashSet<>(t.created.values());
        answered.addAll(t.replayed.values());
        for (String id : t.created.values()) {
            assertTrue(state.containsKey(id), "the job answered 201 exists: " + id);
        }
        assertEquals(answered, state.keySet(), "every job in the database was answered to its client");
        Map<String, Integer> byState = new HashMap<>();
        for (var e : state.entrySet()) {
            String id = e.getKey();
            List<String> history = statuses.getOrDefault(id, List.of());
            assertFalse(history.isEmpty(), id + " has status events");
            JobState at = null;
            int finals = 0;
            for (String s : history) {
                JobState next = JobState.fromWire(s);
                if (at == null) {
                    assertEquals(JobState.PENDING, next, id + " starts pending: " + history);
                } else {
                    assertTrue(at.canMoveTo(next), id + ": " + at + " -> " + next + " in " + history);
                }
                at = next;
                finals += next.isFinal() ? 1 : 0;
            }
            assertTrue(finals <= 1, id + " reached at most one final state: " + history);
            assertEquals(e.getValue(), at.name(), id + "'s last status event is its state: " + history);
            byState.merge(e.getValue(), 1, Integer::sum);
        }
        return byState;
    }

    /**
     * No job was held by two miners at once: the ended attempts ({@code JOB_ATTEMPT}) and the one in
     * progress (the job's lease) of each job, ordered by claim, never overlap; and no (job, attempt)
     * was handed to two miners. Returns how many holds were checked.
     */
    int noOverlappingHolds(Traffic t) throws SQLException {
        Map<String, String> claimOwner = new HashMap<>();
        for (String[] claim : t.claims) {
            String previous = claimOwner.putIfAbsent(claim[0] + "#" + claim[1], claim[2]);
            assertTrue(
                    previous == null,
                    "job " + claim[0] + " attempt " + claim[1] + " claimed by " + previous + " and " + claim[2]);
        }
        Map<String, List<long[]>> holds = new HashMap<>();
        Map<String, List<String>> miners = new HashMap<>();
        long now = System.currentTimeMillis();
        try (Connection c = cluster.db()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT a.JOB_ID, a.ATTEMPT_NO, a.ASSIGNED_MS, a.ENDED_MS,"
                    + " a.MINER_ID FROM JOB_ATTEMPT a JOIN JOB j ON j.ID = a.JOB_ID"
                    + " WHERE j.REGION = ? AND a.ASSIGNED_MS IS NOT NULL")) {
                ps.setString(1, t.region);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        holds.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(new long[] {rs.getLong(3), rs.getLong(4), rs.getInt(2)});
                        miners.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(rs.getString(5));
                    }
                }
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT ID, ASSIGNED_MS, ATTEMPT FROM JOB WHERE REGION = ?"
                    + " AND STATE IN ('ASSIGNED', 'RUNNING', 'CANCELING') AND ASSIGNED_MS IS NOT NULL")) {
                ps.setString(1, t.region);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        holds.computeIfAbsent(rs.getString(1), k -> new ArrayList<>())
                                .add(new long[] {rs.getLong(2), now, rs.getInt(3)});
                    }
                }
            }
        }
        int checked = 0;
        for (var e : holds.entrySet()) {
            List<long[]> list = e.getValue();
            list.sort((a, b) -> Long.compare(a[0], b[0]));
            Set<Long> attempts = new HashSet<>();
            for (int i = 0; i < list.size(); i++) {
                assertTrue(attempts.add(list.get(i)[2]), e.getKey() + " attempt " + list.get(i)[2] + " held twice");
                if (i > 0) {
                    assertTrue(
                            list.get(i - 1)[1] <= list.get(i)[0],
                            e.getKey() + ": attempt " + list.get(i - 1)[2] + " held until " + list.get(i - 1)[1]
                                    + " but attempt " + list.get(i)[2] + " was claimed at " + list.get(i)[0]
                                    + " (miners " + miners.get(e.getKey()) + ")");
                }
                checked++;
            }
        }
        return checked;
    }

    /**
     * The watcher received every event of the traffic's jobs exactly once (waiting for the feed to
     * catch up). Returns the number of events.
     */
    int everyEventOnce(Traffic t, FeedWatcher w, long waitMs) throws SQLException {
        List<Long> expected = new ArrayList<>();
        try (Connection c = cluster.db();
                PreparedStatement ps = c.prepareStatement(
                        "SELECT e.ID FROM JOB_EVENT e JOIN JOB j ON j.ID = e.JOB_ID WHERE j.REGION = ? ORDER BY e.ID")) {
            ps.setString(1, t.region);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    expected.add(rs.getLong(1));
                }
            }
        }
        long until = System.currentTimeMillis() + waitMs;
        while (System.currentTimeMillis() < until && !new HashSet<>(w.received()).containsAll(expected)) {
            Api.sleep(500);
        }
        List<Long> got = w.received();
        Set<Long> seen = new HashSet<>();
        List<Long> twice = new ArrayList<>();
        for (Long id : got) {
            if (!seen.add(id)) {
                twice.add(id);
            }
        }
        assertEquals(List.of(), twice, "no event id was delivered twice (" + w.connections() + " connections)");
        List<Long> missing = new ArrayList<>(expected);
        missing.removeAll(seen);
        assertEquals(List.of(), missing, "no event was missed (" + w.connections() + " connections)");
        assertEquals(0, w.outOfOrder.get(), "events arrived in id order");
        return expected.size();
    }

    /** No answer was a 500, and nothing was given up. */
    void noServerErrorAndNothingLost(Traffic t) {
        Map<Integer, Integer> counts = t.statusCounts();
        assertEquals(0, counts.getOrDefault(500, 0), "no request got a 500: " + counts);
        assertEquals(List.of(), new ArrayList<>(t.lost), "every operation got an answer, retried per Retry-After");
        assertEquals(List.of(), new ArrayList<>(t.notJson), "every answer was the coordinator's JSON");
    }

    /**
     * The leader's terms never overlapped: in the epoch log after {@code afterId}, in id order,
     * epochs never go back, each has one holder, and the last row of an epoch is no later than the
     * first of the next. Returns the number of epochs.
     */
    int oneLeaderAtATime(long afterId) throws SQLException {
        Map<Long, String> holder = new HashMap<>();
        Map<Long, long[]> span = new HashMap<>();
        List<Long> order = new ArrayList<>();
        try (Connection c = cluster.db();
                PreparedStatement ps = c.prepareStatement("SELECT EPOCH, HOLDER, AT_MS FROM LEADER_LOG"
                        + " WHERE NAME = 'aitbc-leader' AND ID > ? ORDER BY ID")) {
            ps.setLong(1, afterId);
            try (ResultSet rs = ps.executeQuery()) {
                long last = 0;
                while (rs.next()) {
                    long epoch = rs.getLong(1);
                    assertTrue(epoch >= last, "epochs never go back: " + last + " then " + epoch);
                    last = epoch;
                    String previous = holder.putIfAbsent(epoch, rs.getString(2));
                    assertTrue(
                            previous == null || previous.equals(rs.getString(2)),
                            "epoch " + epoch + " had two holders");
                    long at = rs.getLong(3);
                    long[] s = span.computeIfAbsent(epoch, k -> {
                        order.add(k);
                        return new long[] {at, at};
                    });
                    s[0] = Math.min(s[0], at);
                    s[1] = Math.max(s[1], at);
                }
            }
        }
        for (int i = 1; i < order.size(); i++) {
            long[] before = span.get(order.get(i - 1));
            long[] after = span.get(order.get(i));
            assertTrue(
                    before[1] <= after[0],
                    "epoch " + order.get(i - 1) + " (" + holder.get(order.get(i - 1)) + ") wrote at " + before[1]
                            + ", after epoch " + order.get(i) + " (" + holder.get(order.get(i)) + ") began at "
                            + after[0]);
        }
        return order.size();
    }

    /**
     * The take-overs logged after {@code afterId}. Counting epochs in the log is no measure of
     * this: the epoch that led at {@code afterId} appears only if it wrote something since.
     */
    int takeOvers(long afterId) throws SQLException {
        try (Connection c = cluster.db();
                PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM LEADER_LOG"
                        + " WHERE NAME = 'aitbc-leader' AND ACTION = 'acquired' AND ID > ?")) {
            ps.setLong(1, afterId);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    long lastLogId() throws SQLException {
        try (Connection c = cluster.db();
                PreparedStatement ps = c.prepareStatement("SELECT COALESCE(MAX(ID), 0) FROM LEADER_LOG");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
