package org.aitbc.coordinator.infrastructure.persistence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The arithmetic of live logs as database rows: piece sizes, which chunks a trim keeps, and overlaps. */
class LogChunksTest {
    @Test
    void piecesAreAQuarterOfTheLimitAtMostAndNeverAboveTheColumn() {
        assertEquals(LogChunks.MAX_PIECE, LogChunks.pieceBytes(64L << 20));
        assertEquals(25, LogChunks.pieceBytes(100));
        assertEquals(1, LogChunks.pieceBytes(2));
        assertEquals(1, LogChunks.pieceBytes(0));
    }

    @Test
    void nothingIsTrimmedWithinTheLimit() {
        assertEquals(-1, LogChunks.trimBelow(0, 100, 100));
        assertEquals(-1, LogChunks.trimBelow(50, 150, 100));
        assertEquals(1, LogChunks.trimBelow(0, 101, 100));
        assertEquals(900, LogChunks.trimBelow(10, 1000, 100));
    }

    @Test
    void theTailKeptBeginsAtTheFirstChunkAtOrPastTheThreshold() {
        // Chunks [0,10) [10,20) [20,30), end 30, limit 15: the threshold 15 is inside [10,20): keep from 20.
        assertEquals(20, LogChunks.keptFrom(15, 10, 10, 30));
        // A threshold on a chunk's start keeps that chunk.
        assertEquals(10, LogChunks.keptFrom(10, 10, 10, 30));
        // Inside the last chunk: the last chunk stays, whatever its size.
        assertEquals(20, LogChunks.keptFrom(25, 20, 10, 30));
    }

    @Test
    void overlapsOfAReadWithAChunk() {
        assertArrayEquals(new int[] {5, 5}, LogChunks.overlap(10, 10, 15, 100));
        assertArrayEquals(new int[] {0, 3}, LogChunks.overlap(10, 10, 7, 6));
        assertArrayEquals(new int[] {2, 4}, LogChunks.overlap(10, 10, 12, 4));
        assertArrayEquals(new int[] {0, 0}, LogChunks.overlap(10, 10, 20, 4));
        assertArrayEquals(new int[] {0, 0}, LogChunks.overlap(10, 10, 0, 10));
    }

    /**
     * Random appends, kept as DatabaseLogStore keeps them: the kept chunks are contiguous, begin at
     * the offset the store reports, end at the stream's end, and are the shortest tail of whole
     * chunks within the limit (or the last chunk alone), while offsets keep counting.
     */
    @Test
    void randomAppendsKeepTheShortestTailWithinTheLimit() {
        Random random = new Random(16);
        for (long max : new long[] {1, 7, 100, 1000, 5000}) {
            int piece = LogChunks.pieceBytes(max);
            List<long[]> chunks = new ArrayList<>(); // {start, length}
            long end = 0;
            long keptFrom = 0;
            long appended = 0;
            for (int i = 0; i < 400; i++) {
                int n = 1 + random.nextInt(random.nextBoolean() ? 20 : 3000);
                appended += n;
                long last = end;
                for (int pos = 0; pos < n; ) {
                    int m = Math.min(n - pos, piece);
                    chunks.add(new long[] {end, m});
                    last = end;
                    end += m;
                    pos += m;
                }
                long threshold = LogChunks.trimBelow(keptFrom, end, max);
                if (threshold >= 0) {
                    long[] holding = null;
                    for (long[] c : chunks) {
                        if (c[0] <= threshold && threshold < c[0] + c[1]) {
                            holding = c;
                        }
                    }
                    long cut =
                            holding == null ? last : LogChunks.keptFrom(threshold, holding[0], (int) holding[1], end);
                    long dropped = -1;
                    for (long[] c : chunks) {
                        if (c[0] < cut) {
                            dropped = c[0];
                        }
                    }
                    final long k = cut;
                    chunks.removeIf(c -> c[0] < k);
                    keptFrom = Math.max(keptFrom, cut);
                    if (dropped >= 0) {
                        assertTrue(end - dropped > max, "a dropped chunk would not have fit: the tail is the shortest");
                    }
                }
                assertEquals(appended, end, "offsets count every byte appended");
                assertEquals(keptFrom, chunks.get(0)[0]);
                for (int j = 1; j < chunks.size(); j++) {
                    assertEquals(chunks.get(j - 1)[0] + chunks.get(j - 1)[1], chunks.get(j)[0], "contiguous");
                }
                long[] lastChunk = chunks.get(chunks.size() - 1);
                assertEquals(end, lastChunk[0] + lastChunk[1]);
                assertTrue(end - keptFrom <= max || chunks.size() == 1, "within the limit, or the last chunk alone");
            }
        }
    }
}
