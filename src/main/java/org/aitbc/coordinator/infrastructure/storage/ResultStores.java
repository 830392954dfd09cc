package org.aitbc.coordinator.infrastructure.storage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Chooses the {@link ResultStore} every service injects, once, from {@code aitbc.results.store}:
 * {@code file} ({@link FileResultStore}, the default) or {@code s3} ({@link S3ResultStore}). Only
 * the chosen one is created, so a file-store server never builds an S3 client.
 */
@ApplicationScoped
public class ResultStores {
    @Inject
    CoordinatorConfig config;

    @Inject
    Instance<FileResultStore> files;

    @Inject
    Instance<S3ResultStore> objects;

    @Produces
    @ApplicationScoped
    ResultStore store() {
        return switch (config.resultsStore()) {
            case "file" -> files.get();
            case "s3" -> objects.get();
            default ->
                throw new IllegalStateException("aitbc.results.store must be file or s3, not " + config.resultsStore());
        };
    }
}
