package org.aitbc.coordinator.it.services;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The third-party jars the product's war carries (the S3 client above all), for the in-container
 * test deployments: they add the product's packages as classes, and its CDI beans (S3ResultStore)
 * need those libraries to be deployable. The coordinator's own wire jar is left out, because its
 * package is added as classes.
 */
final class WarLibraries {
    private WarLibraries() {}

    static File[] all() {
        // The integration tests run in the checkout's top folder; package has exploded the war.
        Path lib = Path.of("target", "aitbc-coordinator", "WEB-INF", "lib");
        try (Stream<Path> jars = Files.list(lib)) {
            return jars.filter(p -> p.getFileName().toString().endsWith(".jar"))
                    .filter(p -> !p.getFileName().toString().startsWith("aitbc-"))
                    .map(Path::toFile)
                    .toArray(File[]::new);
        } catch (IOException e) {
            throw new IllegalStateException("the war's libraries are not in " + lib + " (run package first)", e);
        }
    }
}
