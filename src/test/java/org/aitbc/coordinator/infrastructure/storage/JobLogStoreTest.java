package org.aitbc.coordinator.infrastructure.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.aitbc.coordinator.domain.LogOffsets;
import org.aitbc.coordinator.domain.LogStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The live logs on disk: offsets, retries, segments, the tail past the limit, and a restart. */
class JobLogStoreTest {
    private static final String JOB = "job_abc";
    private static final LogStream OUT = LogStream.STDOUT;

    @TempDir
    Path root;

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String all(JobLogStore store, LogStream s) throws Exception {
        try (InputStream in = store.openAll(JOB, s)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void appendsInOrderAndReadsFromAnyOffset() throws Exception {
        JobLogStore store = new JobLogStore(root, 1 << 20, 4);
        LogOffsets.Appended a = store.append(JOB, OUT, null, b("hello "));
        assertEquals(0, a.offset());
        assertEquals(6, a.nextOffset());
        LogOffsets.Appended b = store.append(JOB, OUT, 6L, b("world\n"));
        assertEquals(12, b.end());
        assertEquals(6, b.written());
        assertEquals("hello world\n", all(store, OUT));
        JobLogStore.Chunk c = store.read(JOB, OUT, 3, 5);
        assertEquals("lo wo", new String(c.bytes(), StandardCharsets.UTF_8), "a read across segments of 4 bytes");
        assertEquals(8, c.next());
        assertEquals(0, store.read(JOB, OUT, 12, 5).bytes().length);
        assertFalse(store.exists(JOB, LogStream.STDERR), "the other stream is separate");
    }

    @Test
    void aRetryWithTheSameOffsetIsNotWrittenTwice() throws Exception {
        JobLogStore store = new JobLogStore(root, 1 << 20, 1024);
        store.append(JOB, OUT, 0L, b("line 1\n"));
        store.append(JOB, OUT, 7L, b("line 2\n"));
        LogOffsets.Appended again = store.append(JOB, OUT, 7L, b("line 2\n"));
        assertTrue(again.duplicate());
        assertEquals(0, again.written());
        assertEquals(14, again.nextOffset());
        assertEquals("line 1\nline 2\n", all(store, OUT));
    }

    @Test
    void anAppendCutShortIsCompletedByItsRetry() throws Exception {
        JobLogStore store = new JobLogStore(root, 1 << 20, 1024);
        store.append(JOB, OUT, 0L, b("abc"));
        LogOffsets.Appended rest = store.append(JOB, OUT, 1L, b("bcdef"));
        assertEquals(3, rest.written());
        assertFalse(rest.duplicate());
        assertEquals("abcdef", all(store, OUT));
    }

    @Test
    void otherBytesAtTheOffsetOrAnOffsetPastTheEndAreRefusedNamingTheEnd() throws Exception {
        JobLogStore store = new JobLogStore(root, 1 << 20, 1024);
        store.append(JOB, OUT, null, b("abc"));
        JobLogStore.OffsetConflictException differ =
                assertThrows(JobLogStore.OffsetConflictException.class, () -> store.append(JOB, OUT, 1L, b("XY")));
        assertEquals(3, differ.end);
        JobLogStore.OffsetConflictException past =
                assertThrows(JobLogStore.OffsetConflictException.class, () -> store.append(JOB, OUT, 4L, b("d")));
        assertEquals(3, past.end);
        assertTrue(past.getMessage().contains("ends at 3"), past.getMessage());
        assertEquals("abc", all(store, OUT), "nothing was written");
    }

    @Test
    void pastTheLimitTheTailIsKeptAndOffsetsGoOn() throws Exception {
        JobLogStore store = new JobLogStore(root, 10, 4);
        for (int i = 0; i < 10; i++) {
            store.append(JOB, OUT, null, b("0123"));
        }
        long[] pos = store.position(JOB, OUT);
        assertEquals(40, pos[1], "offsets count every byte appended");
        assertTrue(pos[1] - pos[0] <= 10, "at most the limit is kept: " + pos[0]);
        assertTrue(pos[1] - pos[0] >= 10 - 4, "all but one segment of it");
        LogOffsets.Appended last = store.append(JOB, OUT, 40L, b("xy"));
        assertTrue(last.truncated());
        JobLogStore.Chunk fromStart = store.read(JOB, OUT, 0, 100);
        assertEquals(last.keptFrom(), fromStart.offset(), "a read below what is kept starts at the first byte kept");
        assertEquals(all(store, OUT), new String(fromStart.bytes(), StandardCharsets.UTF_8));
        assertTrue(all(store, OUT).endsWith("0123xy"));
    }

    @Test
    void aNewStoreOnTheSameFolderContinuesWhereTheLastEnded() throws Exception {
        new JobLogStore(root, 1 << 20, 4).append(JOB, OUT, null, b("before restart\n"));
        JobLogStore after = new JobLogStore(root, 1 << 20, 4);
        assertEquals(15, after.position(JOB, OUT)[1]);
        after.append(JOB, OUT, 15L, b("after\n"));
        assertEquals("before restart\nafter\n", all(after, OUT));
    }

    @Test
    void waitersAreWokenByAnAppendAndReturnAtOnceWhenBytesAreThere() throws Exception {
        JobLogStore store = new JobLogStore(root, 1 << 20, 1024);
        store.append(JOB, OUT, null, b("x"));
        long t0 = System.nanoTime();
        store.await(JOB, OUT, 0, 5000);
        assertTrue(System.nanoTime() - t0 < 2_000_000_000L, "bytes past the offset: no wait");
        AtomicBoolean ran = new AtomicBoolean();
        store.listen(JOB, () -> ran.set(true));
        store.append(JOB, OUT, null, b("y"));
        assertTrue(ran.get());
        byte[] read = store.read(JOB, OUT, 0, 10).bytes();
        assertArrayEquals(b("xy"), read);
    }
}
