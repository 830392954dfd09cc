package org.aitbc.coordinator.infrastructure.feed;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongConsumer;

/**
 * Numbered tickets for writers that are in flight: {@link #issue()} when one starts, {@link #close}
 * when it ends. Pure bookkeeping for {@link EventWriters} and {@link CommitHorizon}: a ticket
 * open longer than {@code maxOpenNanos} counts as returned (and is reported), so that a lost
 * completion cannot hold the event feed forever.
 */
public final class WriterTickets {
    private final long maxOpenNanos;
    private final LongConsumer expired;
    /** Open tickets and when each was issued. */
    private final TreeMap<Long, Long> open = new TreeMap<>();

    private long issued;

    public WriterTickets(long maxOpenNanos, LongConsumer expired) {
        this.maxOpenNanos = maxOpenNanos;
        this.expired = expired;
    }

    public synchronized long issue() {
        issued++;
        open.put(issued, System.nanoTime());
        return issued;
    }

    public synchronized void close(long ticket) {
        open.remove(ticket);
    }

    /** The highest ticket issued so far. */
    public synchronized long issued() {
        return issued;
    }

    /** Every ticket below this one has been returned. */
    public synchronized long closedBelow() {
        long now = System.nanoTime();
        while (!open.isEmpty()) {
            Map.Entry<Long, Long> first = open.firstEntry();
            if (now - first.getValue() < maxOpenNanos) {
                return first.getKey();
            }
            open.remove(first.getKey());
            expired.accept(first.getKey());
        }
        return issued + 1;
    }
}
