package org.aitbc.coordinator.application;

import java.util.function.IntUnaryOperator;
import java.util.function.LongSupplier;

/**
 * Runs batches of background work (the retention purge) at a pace: at most {@code perSecond}
 * items a second, in batches of at most {@code batchSize}, pausing between batches so that the
 * work is spread over time instead of taking the database's pages, locks and disk in one burst
 * that readers feel. A run stops when a batch comes back short (nothing more is due) or when its
 * time is up; the next run continues where it stopped.
 */
public final class PacedBatches {
    /** What pauses: {@link Thread#sleep} in the server, a recorder in tests. */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(long millis) throws InterruptedException;
    }

    private final int batchSize;
    private final int perSecond;
    private final LongSupplier clockMs;
    private final Sleeper sleeper;

    /** {@code perSecond} 0 or less: no pause between batches. */
    public PacedBatches(int batchSize, int perSecond, LongSupplier clockMs, Sleeper sleeper) {
        this.batchSize = Math.max(1, perSecond > 0 ? Math.min(batchSize, perSecond) : batchSize);
        this.perSecond = perSecond;
        this.clockMs = clockMs;
        this.sleeper = sleeper;
    }

    /** The batch size used: the configured one, or the budget of one second when that is smaller. */
    public int batchSize() {
        return batchSize;
    }

    /**
     * Runs {@code batch} (given the batch size, answering how many items it did) until a batch does
     * fewer than asked, or {@code maxMillis} have passed; answers the items done.
     */
    public long run(IntUnaryOperator batch, long maxMillis) throws InterruptedException {
        long start = clockMs.getAsLong();
        long done = 0;
        while (true) {
            int n = batch.applyAsInt(batchSize);
            done += n;
            if (n < batchSize) {
                return done;
            }
            long now = clockMs.getAsLong();
            if (perSecond > 0) {
                // Items done so far are due no earlier than done/perSecond after the start.
                long dueMs = start + done * 1000 / perSecond;
                if (dueMs > now) {
                    sleeper.sleep(dueMs - now);
                    now = dueMs;
                }
            }
            if (now - start >= maxMillis) {
                return done;
            }
        }
    }
}
