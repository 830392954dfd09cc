package org.aitbc.coordinator.infrastructure.feed;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Decides how far the event feed may go in the event table without ever announcing an event
 * out of order. Pure logic: the {@link EventFeed} reads, this class decides.
 *
 * <p>The trap: the database numbers events when they are inserted, but transactions commit in
 * their own order. A reader that has seen id 105 may later see 104 appear (its transaction
 * committed after 105's), or never (it rolled back). So the feed keeps a <em>watermark</em>: every
 * id up to it has been released or is known never to come. Visible ids above it are released in
 * order as long as they are contiguous; a missing id (a gap) holds everything behind it until the
 * gap is known to be permanent.
 *
 * <p>A gap is permanent when both hold:
 * <ul>
 * <li><b>no local writer can still own it.</b> Every transaction on this server that writes
 * events takes a ticket before its inserts and returns it when it ends ({@link EventWriters}).
 * A gap below an id seen in read R was numbered before R ended, so its owner, if local, holds a
 * ticket no higher than the last ticket issued when R ended. Once every ticket up to that bound
 * was returned before a later read began, and that later read still does not show the gap, it
 * is not coming from this server.</li>
 * <li><b>the grace period has passed</b> since a higher id was first seen, for writers on other
 * servers, which no ticket describes. On a database only this server can open (embedded Derby)
 * the grace is zero.</li>
 * </ul>
 * A gap declared permanent that later turns out to be a very slow commit is reported by the
 * feed as a late event (delivered, out of order, and counted) rather than lost.
 */
public final class CommitHorizon {
    /** Ids {@code from..to} (inclusive) that were skipped as never coming. */
    public record Range(long from, long to) {
        public long size() {
            return to - from + 1;
        }
    }

    /** The outcome of one read: how many of the ids read are released (a prefix), and the gaps skipped. */
    public record Advance(int released, List<Range> skipped) {}

    /** A read saw {@code highId}; ids below it that were missing were numbered before {@code seenNanos}. */
    private record Checkpoint(long highId, long seenNanos, long ticketBound) {}

    private final long graceNanos;
    private final ArrayDeque<Checkpoint> checkpoints = new ArrayDeque<>();
    private long watermark;

    public CommitHorizon(long watermark, long graceNanos) {
        this.watermark = watermark;
        this.graceNanos = graceNanos;
    }

    /** Every id up to this one has been released or skipped. */
    public long watermark() {
        return watermark;
    }

    /**
     * Takes one read of the event table.
     *
     * @param ids          the ids read, ascending, all above {@link #watermark()}
     * @param closedBelow  every local writer ticket below this had been returned before the read began
     * @param issuedAfter  the highest ticket issued when the read ended
     * @param nowNanos     the time of the read ({@link System#nanoTime()})
     */
    public Advance advance(long[] ids, long closedBelow, long issuedAfter, long nowNanos) {
        if (ids.length > 0) {
            long high = ids[ids.length - 1];
            if (checkpoints.isEmpty() || high > checkpoints.peekLast().highId()) {
                checkpoints.addLast(new Checkpoint(high, nowNanos, issuedAfter));
            }
        }
        long expected = watermark + 1;
        int released = 0;
        List<Range> skipped = new ArrayList<>(0);
        for (long id : ids) {
            if (id < expected) {
                throw new IllegalArgumentException("ids must be ascending and above the watermark: " + id);
            }
            if (id > expected) {
                // Ids expected..id-1 are missing; the checkpoint that first saw an id >= id dates them all.
                Checkpoint cp = firstAtLeast(id);
                if (cp == null || closedBelow <= cp.ticketBound() || nowNanos - cp.seenNanos() < graceNanos) {
                    break;
                }
                skipped.add(new Range(expected, id - 1));
            }
            released++;
            expected = id + 1;
        }
        watermark = expected - 1;
        while (!checkpoints.isEmpty() && checkpoints.peekFirst().highId() <= watermark) {
            checkpoints.removeFirst();
        }
        return new Advance(released, skipped);
    }

    /** Whether ids are being held behind a gap. */
    public boolean holding() {
        return !checkpoints.isEmpty();
    }

    private Checkpoint firstAtLeast(long id) {
        for (Iterator<Checkpoint> it = checkpoints.iterator(); it.hasNext(); ) {
            Checkpoint cp = it.next();
            if (cp.highId() >= id) {
                return cp;
            }
        }
        return null;
    }
}
