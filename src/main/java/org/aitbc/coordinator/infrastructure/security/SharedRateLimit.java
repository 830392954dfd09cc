package org.aitbc.coordinator.infrastructure.security;

import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Rate limits counted for the whole cluster: each server reserves a few requests at a time for a
 * key from counters all servers share ({@link Reserver}, the database), and serves them from
 * memory until they are used up or the minute ends. A reservation is at most
 * {@value #SHARE_PERCENT} % of the minute's limit (at least 1, at most {@value #MAX_BATCH}), so
 * the requests that servers reserved but did not use when a minute ends, the only way the
 * cluster falls short of a key's limit, stay under that share per server; no server ever serves
 * more than it reserved, so the cluster never exceeds the limit. One shared write per
 * reservation keeps the cost per request low for keys with high limits.
 */
public final class SharedRateLimit {
    static final int SHARE_PERCENT = 4;
    static final int MAX_BATCH = 100;
    private static final long MINUTE = 60_000;
    private static final long HOUR = 3_600_000;

    /** Reserves up to {@code want} requests in the windows that contain {@code nowMs}. */
    public interface Reserver {
        /** How many were granted (0..want), and whether the hour window is the one used up. */
        Reservation reserve(String keyHash, long nowMs, int want, int perMinute, int perHour);
    }

    public record Reservation(int granted, boolean hourFull) {}

    private static final class Tokens {
        long minuteStart = -1;
        int left;
    }

    private final Reserver reserver;
    private final Map<String, Tokens> byKey = new ConcurrentHashMap<>();
    private volatile long lastCleanup = System.currentTimeMillis();

    public SharedRateLimit(Reserver reserver) {
        this.reserver = reserver;
    }

    /** How many requests one reservation asks for, for a minute's limit. */
    static int batch(int perMinute) {
        return Math.max(1, Math.min(MAX_BATCH, perMinute * SHARE_PERCENT / 100));
    }

    /** Counts one request; 0 when it is allowed, else the seconds until the full window ends. */
    public long acquire(String keyHash, int perMinute, int perHour, long nowMs) {
        cleanup(nowMs);
        long minute = nowMs - Math.floorMod(nowMs, MINUTE);
        Tokens t = byKey.computeIfAbsent(keyHash, k -> new Tokens());
        synchronized (t) {
            if (t.minuteStart != minute) {
                // Tokens reserved for an earlier minute are not this minute's to spend.
                t.minuteStart = minute;
                t.left = 0;
            }
            if (t.left == 0) {
                Reservation r = reserver.reserve(keyHash, nowMs, batch(perMinute), perMinute, perHour);
                if (r.granted() <= 0) {
                    long end = r.hourFull() ? nowMs - Math.floorMod(nowMs, HOUR) + HOUR : minute + MINUTE;
                    return Math.max(1, (end - nowMs + 999) / 1000);
                }
                t.left = r.granted();
            }
            t.left--;
            return 0;
        }
    }

    private void cleanup(long now) {
        if (now - lastCleanup < MINUTE) {
            return;
        }
        lastCleanup = now;
        for (Iterator<Tokens> it = byKey.values().iterator(); it.hasNext(); ) {
            Tokens t = it.next();
            synchronized (t) {
                if (now - t.minuteStart >= 2 * MINUTE) {
                    it.remove();
                }
            }
        }
    }
}
