package org.aitbc.coordinator.infrastructure.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Cluster-wide rate limits over a shared counter (here a map, as the database would be): two
 * servers taking requests in turn let through the key's limit within 10 %, never more.
 */
class SharedRateLimitTest {
    /** The shared minute and hour counters, as RateWindows keeps them. */
    private static final class Counters implements SharedRateLimit.Reserver {
        final Map<String, Integer> used = new HashMap<>();
        int reservations;

        @Override
        public synchronized SharedRateLimit.Reservation reserve(
                String key, long now, int want, int perMinute, int perHour) {
            reservations++;
            String m = key + "|m|" + (now / 60_000);
            String h = key + "|h|" + (now / 3_600_000);
            int grant =
                    Math.min(want, Math.min(perMinute - used.getOrDefault(m, 0), perHour - used.getOrDefault(h, 0)));
            if (grant <= 0) {
                return new SharedRateLimit.Reservation(0, used.getOrDefault(h, 0) >= perHour);
            }
            used.merge(m, grant, Integer::sum);
            used.merge(h, grant, Integer::sum);
            return new SharedRateLimit.Reservation(grant, false);
        }
    }

    private static int allowed(int perMinute, int perHour, int requests) {
        Counters shared = new Counters();
        SharedRateLimit[] servers = {new SharedRateLimit(shared), new SharedRateLimit(shared)};
        long t0 = 1_764_590_400_000L; // the start of a minute
        int ok = 0;
        for (int i = 0; i < requests; i++) {
            if (servers[i % 2].acquire("k", perMinute, perHour, t0 + i) == 0) {
                ok++;
            }
        }
        return ok;
    }

    @Test
    void twoServersInTurnStayWithinTenPercentOfTheLimitAndNeverAbove() {
        for (int limit : new int[] {10, 30, 60, 100, 1000, 5000}) {
            int ok = allowed(limit, 1_000_000, limit * 3);
            assertTrue(ok <= limit, limit + ": " + ok + " allowed");
            assertTrue(ok >= limit * 0.9, limit + ": " + ok + " allowed");
        }
    }

    @Test
    void theHourLimitHoldsAndItsRetryAfterNamesTheHour() {
        Counters shared = new Counters();
        SharedRateLimit s = new SharedRateLimit(shared);
        long t0 = 1_764_590_400_000L;
        int ok = 0;
        long retry = 0;
        for (int i = 0; i < 50; i++) {
            retry = s.acquire("k", 100, 20, t0 + i);
            if (retry == 0) {
                ok++;
            }
        }
        assertEquals(20, ok);
        assertTrue(retry > 60, "the hour is full: retry after the hour ends, " + retry);
    }

    @Test
    void aNewMinuteStartsFreshAndReservationsAreFewerThanRequestsForHighLimits() {
        Counters shared = new Counters();
        SharedRateLimit s = new SharedRateLimit(shared);
        long t0 = 1_764_590_400_000L;
        for (int i = 0; i < 30; i++) {
            s.acquire("k", 30, 1000, t0 + i);
        }
        assertTrue(s.acquire("k", 30, 1000, t0 + 100) > 0, "the minute is used up");
        assertEquals(0, s.acquire("k", 30, 1000, t0 + 60_000), "the next minute starts fresh");
        Counters big = new Counters();
        SharedRateLimit fast = new SharedRateLimit(big);
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, fast.acquire("k", 6000, 100_000, t0 + i));
        }
        assertTrue(big.reservations <= 1000 / 100 + 1, big.reservations + " reservations for 1000 requests");
    }
}
