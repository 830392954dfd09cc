package org.aitbc.coordinator.domain;

/**
 * Where an append to a live log goes, given the offset the miner sent ({@code X-Log-Offset}) and
 * the stream's current end. The rules, which make a retried append harmless:
 *
 * <ul>
 *   <li>no offset: the bytes go at the end;
 *   <li>an offset equal to the end: the bytes go at the end;
 *   <li>an offset below the end: the bytes from there to the end must be the same as the start of
 *       the append (compared by the store; bytes no longer kept count as the same). All of them
 *       there: acknowledged, nothing written (a retry of an append that was stored). Some there:
 *       only the rest is written (a retry of an append that was cut short);
 *   <li>an offset past the end, or below it with other bytes there: refused, naming the end, so
 *       that the miner can tell which of its bytes are stored.
 * </ul>
 */
public final class LogOffsets {
    private LogOffsets() {}

    /**
     * An append's outcome: where its bytes begin, where the miner's next bytes go, the stream's end,
     * how many bytes were written now (fewer than sent when some were there already) and the first
     * offset kept.
     */
    public record Appended(long offset, long nextOffset, long end, long written, boolean duplicate, long keptFrom) {
        public boolean truncated() {
            return keptFrom > 0;
        }
    }

    /**
     * What to do: {@code compare} bytes from {@code offset} to the end first (0: none), then write
     * the append from its byte {@code compare} on. {@code refused} when the offset is past the end.
     */
    public record Plan(boolean refused, long offset, long compare) {
        /** Whether nothing is left to write once the compared bytes matched. */
        public boolean duplicateOf(long length) {
            return !refused && compare >= length;
        }
    }

    public static Plan plan(long end, Long offset, long length) {
        if (length < 0 || end < 0) {
            throw new IllegalArgumentException("negative length or end");
        }
        if (offset == null || offset == end) {
            return new Plan(false, end, 0);
        }
        if (offset < 0 || offset > end) {
            return new Plan(true, offset, 0);
        }
        return new Plan(false, offset, Math.min(length, end - offset));
    }
}
