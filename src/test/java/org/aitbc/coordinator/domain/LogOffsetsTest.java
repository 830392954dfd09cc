package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Where an append goes for each X-Log-Offset a miner may send. */
class LogOffsetsTest {
    @Test
    void noOffsetAndTheEndAppend() {
        assertEquals(new LogOffsets.Plan(false, 100, 0), LogOffsets.plan(100, null, 10));
        assertEquals(new LogOffsets.Plan(false, 100, 0), LogOffsets.plan(100, 100L, 10));
        assertEquals(new LogOffsets.Plan(false, 0, 0), LogOffsets.plan(0, 0L, 10));
    }

    @Test
    void anOffsetBelowTheEndComparesWhatIsThere() {
        LogOffsets.Plan retry = LogOffsets.plan(100, 90L, 10);
        assertEquals(new LogOffsets.Plan(false, 90, 10), retry);
        assertTrue(retry.duplicateOf(10), "all ten bytes are there: nothing to write");

        LogOffsets.Plan older = LogOffsets.plan(100, 50L, 10);
        assertEquals(10, older.compare());
        assertTrue(older.duplicateOf(10));

        LogOffsets.Plan cutShort = LogOffsets.plan(100, 95L, 10);
        assertEquals(5, cutShort.compare(), "five bytes to compare, the other five to write");
        assertFalse(cutShort.duplicateOf(10));
    }

    @Test
    void anOffsetPastTheEndOrNegativeIsRefused() {
        assertTrue(LogOffsets.plan(100, 101L, 1).refused());
        assertTrue(LogOffsets.plan(0, 5L, 1).refused());
        assertTrue(LogOffsets.plan(100, -1L, 1).refused());
        assertFalse(LogOffsets.plan(100, 101L, 1).duplicateOf(1));
    }

    @Test
    void anEmptyAppendWritesNothing() {
        assertEquals(new LogOffsets.Plan(false, 7, 0), LogOffsets.plan(7, null, 0));
        assertEquals(0, LogOffsets.plan(7, 3L, 0).compare());
    }

    @Test
    void streamsHaveTheirApiNamesAndPackageFiles() {
        assertEquals(LogStream.STDERR, LogStream.of("stderr"));
        assertEquals(null, LogStream.of("STDOUT"));
        assertEquals("logs/stdout.log", LogStream.STDOUT.packagePath());
    }
}
