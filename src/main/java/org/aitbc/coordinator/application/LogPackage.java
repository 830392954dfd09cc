package org.aitbc.coordinator.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.function.BiConsumer;
import java.util.function.Predicate;
import org.aitbc.coordinator.domain.LogStream;
import org.aitbc.coordinator.infrastructure.storage.LiveLogStore;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * The live logs' place in the result package: when the job ends they become
 * {@code logs/stdout.log} and {@code logs/stderr.log}, checksummed and sealed like every other
 * file ({@link ResultService#seal}). The live copy stays beside the package for followers that
 * resume after the end, and goes with the job's other files ({@link #deleteLive}).
 */
@ApplicationScoped
public class LogPackage {
    @Inject
    LiveLogStore logs;

    @Inject
    ResultStore store;

    /**
     * Writes each stream that was appended to as {@code logs/<stream>.log} of the package, unless
     * the miner uploaded a file of that name ({@code uploaded} says), and hands each written file to
     * {@code record}. Runs in the transaction that ends the job, which holds its row: no append
     * comes after.
     */
    public void packageInto(String jobId, Predicate<String> uploaded, BiConsumer<String, ResultStore.Written> record) {
        for (LogStream stream : LogStream.values()) {
            String path = stream.packagePath();
            try {
                if (!logs.exists(jobId, stream) || uploaded.test(path)) {
                    continue;
                }
                ResultStore.Written w;
                try (InputStream in = logs.openAll(jobId, stream)) {
                    w = store.stage(jobId, in, Long.MAX_VALUE);
                }
                try {
                    store.commit(jobId, w.stagingId(), path);
                } catch (ResultStore.PathConflictException e) {
                    // The miner uploaded a file named logs, or a folder logs/stdout.log: its upload wins.
                    store.discard(jobId, w.stagingId());
                    continue;
                }
                record.accept(path, w);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + path + " of job " + jobId, e);
            }
        }
    }

    /**
     * Deletes the live copy of the job's logs, in the transaction that marks its results deleted
     * (the database home's rows go with it; the file home's go with the job's folder after it).
     */
    public void deleteLive(String jobId) {
        try {
            logs.deleteAll(jobId);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete the live logs of job " + jobId, e);
        }
    }
}
