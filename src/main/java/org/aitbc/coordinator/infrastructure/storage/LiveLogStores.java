package org.aitbc.coordinator.infrastructure.storage;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseLogStore;

/**
 * Chooses the {@link LiveLogStore} every service injects, once, from {@code aitbc.logs.store}
 * ({@link CoordinatorConfig#logsStore}): {@code files} ({@link JobLogStore}) or {@code database}
 * ({@link DatabaseLogStore}). Only the chosen one is created, so a server on the database home
 * never writes a log file.
 */
@ApplicationScoped
public class LiveLogStores {
    @Inject
    CoordinatorConfig config;

    @Inject
    Instance<JobLogStore> files;

    @Inject
    Instance<DatabaseLogStore> rows;

    @Produces
    @ApplicationScoped
    LiveLogStore store() {
        return switch (config.logsStore()) {
            case "files" -> files.get();
            case "database" -> rows.get();
            default ->
                throw new IllegalStateException(
                        "aitbc.logs.store must be auto, files or database, not " + config.logsStore());
        };
    }
}
