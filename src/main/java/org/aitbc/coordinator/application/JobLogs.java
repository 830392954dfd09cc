package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.LogStream;
import org.aitbc.coordinator.infrastructure.storage.LiveLogStore;

/**
 * A client reading the live logs of its job: from an offset, and following new bytes until the
 * job ends. Holds no transaction (a follower reads for as long as the job runs); the job is read
 * only to check who may follow it and whether it ended. Since appends happen under the job's row
 * lock while it is leased, once a reader sees the job ended, reading to the end reads every byte.
 */
@ApplicationScoped
public class JobLogs {
    /** How long a follower waits for an append before it looks again (appends on other servers, the job's end). */
    public static final long RECHECK_MS = 1000;

    @EJB
    JobService jobs;

    @Inject
    LiveLogStore store;

    /** Bytes {@code [offset, next)} of a stream; it ends at {@code end} for now; bytes below {@code keptFrom} were dropped. */
    public record Chunk(long offset, byte[] bytes, long next, long end, long keptFrom) {}

    /** The caller's job, whose logs it may read: 404 for another's, 410 once its results were deleted. */
    public Job readable(Caller caller, String jobId) {
        Job job = jobs.get(caller, jobId);
        if (job.getResultDeletedAt() != null) {
            throw new CoordinatorException(
                    Kind.GONE,
                    "LOGS_GONE",
                    "the logs of job " + jobId + " were deleted with its results at " + job.getResultDeletedAt());
        }
        return job;
    }

    /** Whether the job ended (no byte will be appended any more). */
    public boolean ended(Caller caller, String jobId) {
        return jobs.get(caller, jobId).getState().isFinal();
    }

    /** Up to {@code max} bytes from {@code offset} (from the first one kept when it is lower). */
    public Chunk read(String jobId, LogStream stream, long offset, int max) {
        try {
            LiveLogStore.Chunk c = store.read(jobId, stream, offset, max);
            return new Chunk(c.offset(), c.bytes(), c.next(), c.end(), c.keptFrom());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + stream.wire() + " log of " + jobId, e);
        }
    }

    /** Waits until the stream has bytes past {@code offset}, at most {@link #RECHECK_MS} (appends on other servers). */
    public void await(String jobId, LogStream stream, long offset) throws InterruptedException {
        try {
            store.await(jobId, stream, offset, RECHECK_MS);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the " + stream.wire() + " log of " + jobId, e);
        }
    }

    /** Runs {@code r} once at the next append to the job on this server. */
    public void listen(String jobId, Runnable r) {
        store.listen(jobId, r);
    }

    public void unlisten(String jobId, Runnable r) {
        store.unlisten(jobId, r);
    }
}
