package org.aitbc.coordinator.infrastructure.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ObjectKeysTest {
    @Test
    void keysFollowTheFileStoresLayoutUnderThePrefix() {
        ObjectKeys none = new ObjectKeys("");
        assertEquals("job_1/", none.job("job_1"));
        assertEquals("job_1/logs/stdout.log", none.file("job_1", "logs/stdout.log"));
        assertEquals("job_1/.staging/0a1b-2c", none.staging("job_1", "0a1b-2c"));

        ObjectKeys prefixed = new ObjectKeys("/aitbc/results");
        assertEquals("aitbc/results/", prefixed.prefix(), "a slash is added, a leading one dropped");
        assertEquals("aitbc/results/job_1/result.txt", prefixed.file("job_1", "result.txt"));
        assertEquals("aitbc/", new ObjectKeys("aitbc/").prefix());
    }

    @Test
    void pathsComeBackWithoutStagedUploadsOrOtherJobs() {
        ObjectKeys k = new ObjectKeys("p");
        assertEquals("artifacts/model.bin", k.path("job_1", "p/job_1/artifacts/model.bin"));
        assertNull(k.path("job_1", "p/job_1/.staging/abc"));
        assertNull(k.path("job_1", "p/job_10/result.txt"), "job_10 is not under job_1/");
        assertNull(k.path("job_1", "job_1/result.txt"), "outside the prefix");
    }

    @Test
    void badIdsAndPathsNeverBecomeKeys() {
        ObjectKeys k = new ObjectKeys("");
        assertThrows(IllegalArgumentException.class, () -> k.job("../x"));
        assertThrows(IllegalArgumentException.class, () -> k.job(""));
        assertThrows(IllegalArgumentException.class, () -> k.file("job_1", "../job_2/result.txt"));
        assertThrows(IllegalArgumentException.class, () -> k.file("job_1", ".staging/x"));
        assertThrows(IllegalArgumentException.class, () -> k.file("job_1", "/abs"));
        assertThrows(IllegalArgumentException.class, () -> k.staging("job_1", "a/b"));
    }

    @Test
    void foldersOfAPathNearestFirst() {
        assertEquals(List.of("a/b", "a"), ObjectKeys.folders("a/b/c.txt"));
        assertEquals(List.of(), ObjectKeys.folders("result.txt"));
    }

    @Test
    void partSizeKeepsToS3sLimits() {
        long mib = 1024 * 1024;
        assertEquals(8 * mib, S3ResultStore.partSize(8 * mib, 10L * 1024 * mib));
        assertEquals(5 * mib, S3ResultStore.partSize(mib, 100 * mib), "at least 5 MiB");
        long huge = 200L * 1024 * 1024 * 1024;
        assertEquals((huge + 9_999) / 10_000, S3ResultStore.partSize(8 * mib, huge), "at most 10,000 parts");
        assertEquals(8 * mib, S3ResultStore.partSize(8 * mib, Long.MAX_VALUE));
    }
}
