package org.aitbc.coordinator.infrastructure.security;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.RateWindows;
import org.aitbc.coordinator.infrastructure.persistence.SqlDialect;

/**
 * Requests per key per minute and per hour, in fixed windows kept in this server's memory
 * (keyed by the key's hash, never the key), and counted events such as failed authentications
 * per client address ({@link #count}, {@link #waitFor}). With several servers on one database
 * ({@code aitbc.rate.limit.scope} cluster, or auto on PostgreSQL), request limits are counted for
 * the whole cluster instead ({@link SharedRateLimit}); failures stay counted per server.
 */
@ApplicationScoped
public class RateLimiter {
    private static final long MINUTE = 60_000;
    private static final long HOUR = 3_600_000;

    private final Map<String, Windows> byKey = new ConcurrentHashMap<>();
    private volatile long lastCleanup = System.currentTimeMillis();

    @Inject
    CoordinatorConfig config;

    @Inject
    SqlDialect dialect;

    @EJB
    RateWindows windows;

    /** The cluster-wide counting, when chosen; null: this server counts alone. */
    private volatile SharedRateLimit shared;

    private volatile boolean scopeChosen;

    private static final class Windows {
        long minuteStart;
        int minuteCount;
        long hourStart;
        int hourCount;

        /** Starts a fresh minute or hour window when the current one has passed. */
        void roll(long now) {
            if (now - minuteStart >= MINUTE) {
                minuteStart = now;
                minuteCount = 0;
            }
            if (now - hourStart >= HOUR) {
                hourStart = now;
                hourCount = 0;
            }
        }

        void add() {
            minuteCount++;
            hourCount++;
        }
    }

    /** Whole seconds (at least 1) until the window that began at {@code start} ends. */
    private static long secondsUntilEnd(long start, long length, long now) {
        return Math.max(1, (start + length - now + 999) / 1000);
    }

    /**
     * Counts one request; returns 0 when it is allowed, else the seconds until it would be.
     */
    public long acquire(String keyHash, int perMinute, int perHour) {
        long now = System.currentTimeMillis();
        SharedRateLimit cluster = shared();
        if (cluster != null) {
            return cluster.acquire(keyHash, perMinute, perHour, now);
        }
        cleanup(now);
        Windows w = byKey.computeIfAbsent(keyHash, k -> new Windows());
        synchronized (w) {
            w.roll(now);
            if (w.hourCount >= perHour) {
                return secondsUntilEnd(w.hourStart, HOUR, now);
            }
            if (w.minuteCount >= perMinute) {
                return secondsUntilEnd(w.minuteStart, MINUTE, now);
            }
            w.add();
            return 0;
        }
    }

    /**
     * Seconds until {@code key} may act again, or 0, when {@code perMinute} events were already
     * {@linkplain #count counted} for it this minute. Counts nothing itself: for limits on
     * failures, which are counted only once they happened.
     */
    public long waitFor(String key, int perMinute) {
        Windows w = byKey.get(key);
        if (w == null) {
            return 0;
        }
        long now = System.currentTimeMillis();
        synchronized (w) {
            if (now - w.minuteStart >= MINUTE || w.minuteCount < perMinute) {
                return 0;
            }
            return secondsUntilEnd(w.minuteStart, MINUTE, now);
        }
    }

    /** Counts one event (a failure) for {@code key} in its minute and hour windows. */
    public void count(String key) {
        long now = System.currentTimeMillis();
        cleanup(now);
        Windows w = byKey.computeIfAbsent(key, k -> new Windows());
        synchronized (w) {
            w.roll(now);
            w.add();
        }
    }

    /** Chooses the scope once, on first use (the database kind is known by then). */
    private SharedRateLimit shared() {
        if (!scopeChosen && config != null) {
            String scope = config.rateLimitScope();
            boolean cluster = scope.equals("cluster") || (scope.equals("auto") && dialect.isShared());
            if (cluster) {
                shared = new SharedRateLimit((key, now, want, perMinute, perHour) -> {
                    RateWindows.Grant g = windows.reserve(key, now, want, perMinute, perHour);
                    return new SharedRateLimit.Reservation(g.granted(), g.hourFull());
                });
            }
            scopeChosen = true;
        }
        return shared;
    }

    private void cleanup(long now) {
        if (now - lastCleanup < MINUTE) {
            return;
        }
        lastCleanup = now;
        for (Iterator<Windows> it = byKey.values().iterator(); it.hasNext(); ) {
            Windows w = it.next();
            synchronized (w) {
                if (now - w.hourStart >= HOUR) {
                    it.remove();
                }
            }
        }
    }
}
