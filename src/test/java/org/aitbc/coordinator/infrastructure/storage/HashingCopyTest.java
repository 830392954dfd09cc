package org.aitbc.coordinator.infrastructure.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The upload's one pass: the file holds exactly the body, and size, SHA-256 and CRC-32 are the body's. */
class HashingCopyTest {
    @TempDir
    Path dir;

    /** Hands out the body in pieces of uneven sizes, as a network stream does. */
    private static InputStream trickle(byte[] body) {
        return new ByteArrayInputStream(body) {
            private int turn;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int[] sizes = {1, 1000, 65_536, 7, 40_000, 300_000};
                return super.read(b, off, Math.min(len, sizes[turn++ % sizes.length]));
            }
        };
    }

    @Test
    void theFileAndItsDigestsAreTheBodys() throws Exception {
        for (int size : new int[] {0, 1, HashingCopy.WRITE - 1, HashingCopy.WRITE, 3 * HashingCopy.WRITE + 12_345}) {
            byte[] body = new byte[size];
            new SplittableRandom(size).nextBytes(body);
            Path target = dir.resolve("f" + size);
            HashingCopy.Copied c = HashingCopy.copy(trickle(body), target, Long.MAX_VALUE);
            assertArrayEquals(body, Files.readAllBytes(target), "size " + size);
            assertEquals(size, c.size());
            assertEquals(
                    HexFormat.of()
                            .formatHex(MessageDigest.getInstance("SHA-256").digest(body)),
                    c.sha256());
            CRC32 crc = new CRC32();
            crc.update(body);
            assertEquals(crc.getValue(), c.crc32());
        }
    }

    @Test
    void aBodyOverTheLimitIsRefused() {
        byte[] body = new byte[HashingCopy.WRITE + 1];
        assertThrows(
                ResultStore.TooLargeException.class,
                () -> HashingCopy.copy(trickle(body), dir.resolve("big"), HashingCopy.WRITE));
    }
}
