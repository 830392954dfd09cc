package org.aitbc.coordinator.infrastructure.storage;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Which result file paths are accepted before anything touches the disk. */
class ResultPathsTest {
    @Test
    void acceptsThePackageLayout() {
        for (String ok : List.of(
                "result.txt",
                "logs/stdout.log",
                "logs/stderr.log",
                "artifacts/model.bin",
                "artifacts/checkpoints/epoch-1_final.pt",
                ".hidden",
                "a..b")) {
            assertNull(ResultPaths.problem(ok), ok);
        }
    }

    @Test
    void refusesEscapesAndOddNames() {
        for (String bad : List.of(
                "",
                "/etc/passwd",
                "../x",
                "logs/../../x",
                "logs/..",
                "./x",
                "logs\\x.log",
                "logs//x",
                "logs/",
                "a b.txt",
                "naïve.txt",
                "x".repeat(256),
                "a/b/c/d/e/f/g/h/i")) {
            assertNotNull(ResultPaths.problem(bad), bad);
        }
    }
}
