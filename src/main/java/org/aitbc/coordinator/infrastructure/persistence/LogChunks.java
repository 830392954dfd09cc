package org.aitbc.coordinator.infrastructure.persistence;

/**
 * The arithmetic of live logs kept as rows ({@link DatabaseLogStore}): a stream is a run of
 * contiguous chunks (each one's first offset is the previous one's end), none longer than
 * {@link #MAX_PIECE}; past the limit the oldest chunks go, keeping the shortest tail of whole
 * chunks that holds at most the limit (at least the last chunk), as the file home keeps segments.
 */
public final class LogChunks {
    /** The most bytes one chunk holds: a bigger append is split, and a chunk that holds an offset begins less than this below it. */
    public static final int MAX_PIECE = 64 * 1024;

    private LogChunks() {}

    /** The size appends are split into for a stream limit of {@code maxBytes}: a quarter of it at most, so most of the limit is kept. */
    public static int pieceBytes(long maxBytes) {
        return (int) Math.max(1, Math.min(MAX_PIECE, maxBytes / 4));
    }

    /**
     * The lowest offset the kept bytes may begin at once the stream holds {@code [keptFrom, end)}, or
     * -1 when it is within the limit and nothing goes.
     */
    public static long trimBelow(long keptFrom, long end, long maxBytes) {
        return end - keptFrom > maxBytes ? end - maxBytes : -1;
    }

    /**
     * The first offset kept after trimming below {@code threshold}: the first chunk that begins at
     * or past it, where the chunk {@code [start, start + length)} holds {@code threshold}; the
     * last chunk stays whatever its size ({@code end}: the stream's end).
     */
    public static long keptFrom(long threshold, long start, int length, long end) {
        if (start == threshold) {
            return start;
        }
        long next = start + length;
        return next < end ? next : start;
    }

    /** Where bytes {@code [from, from + n)} overlap the chunk at {@code start} of {@code length}: {@code {index in the chunk, count}}; count 0 when not. */
    public static int[] overlap(long start, int length, long from, int n) {
        long lo = Math.max(start, from);
        long hi = Math.min(start + length, from + n);
        return hi <= lo ? new int[] {0, 0} : new int[] {(int) (lo - start), (int) (hi - lo)};
    }
}
