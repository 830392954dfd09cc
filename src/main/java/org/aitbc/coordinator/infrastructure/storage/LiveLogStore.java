package org.aitbc.coordinator.infrastructure.storage;

import java.io.IOException;
import java.io.InputStream;
import org.aitbc.coordinator.domain.LogOffsets;
import org.aitbc.coordinator.domain.LogStream;

/**
 * Where the live logs of running jobs are kept: each stream of a job is one byte sequence whose
 * offsets count from its first byte, appended to following {@link LogOffsets}, read from an
 * offset, and past {@code aitbc.logs.max.bytes} trimmed to its tail while offsets keep counting.
 * Two homes: segment files in the job's folder of the file result store ({@link JobLogStore}), or
 * rows of the database that every server shares ({@code persistence/DatabaseLogStore}), chosen by
 * {@code aitbc.logs.store} ({@link LiveLogStores}).
 *
 * <p>Readers wait for new bytes with {@link #await} or {@link #listen}, woken by appends made on
 * this server; they re-check after their timeout for appends made on another one.
 */
public interface LiveLogStore {
    /** The bytes from {@code offset} ({@code keptFrom} or later) up to {@code next}; the stream ends at {@code end}. */
    record Chunk(long offset, byte[] bytes, long next, long end, long keptFrom) {}

    /** The offset of an append does not fit the stream (see {@link LogOffsets}); {@code end} is the stream's end. */
    class OffsetConflictException extends Exception {
        private static final long serialVersionUID = 1L;
        public final long end;

        public OffsetConflictException(long end, String message) {
            super(message, null, false, false);
            this.end = end;
        }

        /** The offset is past the end. */
        public static OffsetConflictException past(LogStream stream, Long offset, long end) {
            return new OffsetConflictException(
                    end,
                    "X-Log-Offset " + offset + " is past the end of the " + stream.wire() + " log, which ends at "
                            + end);
        }

        /** The offset is below the end, and the bytes stored from there are other ones. */
        public static OffsetConflictException differs(LogStream stream, Long offset, long end) {
            return new OffsetConflictException(
                    end,
                    "X-Log-Offset " + offset + " is below the end of the " + stream.wire() + " log (" + end
                            + ") and the bytes stored from there differ from these");
        }
    }

    /** The first offset still kept and the end of the stream: {@code [keptFrom, end]}. */
    long[] position(String jobId, LogStream stream) throws IOException;

    /**
     * Appends {@code data} at {@code offset} (null: at the end) following {@link LogOffsets}, then
     * drops the oldest bytes past the limit; wakes the stream's readers on this server. The caller
     * holds the job's row lock (the lease check), which orders the appends to one job.
     */
    LogOffsets.Appended append(String jobId, LogStream stream, Long offset, byte[] data)
            throws IOException, OffsetConflictException;

    /**
     * Up to {@code max} bytes from {@code offset}; an offset below what is kept reads from the
     * first byte kept. An offset past the end reads nothing (the chunk says where the end is).
     */
    Chunk read(String jobId, LogStream stream, long offset, int max) throws IOException;

    /** Every byte kept of the stream, in order (for the result package), streamed; empty when nothing was appended. */
    InputStream openAll(String jobId, LogStream stream) throws IOException;

    /** Whether anything was ever appended to the stream. */
    boolean exists(String jobId, LogStream stream) throws IOException;

    /**
     * Deletes the job's live logs, in the transaction that marks its results deleted (retention,
     * delete). A home whose logs go with the job's result files may leave them to that.
     */
    void deleteAll(String jobId) throws IOException;

    /** Runs {@code r} once, on the appending thread, at the next append to the job on this server. */
    void listen(String jobId, Runnable r);

    void unlisten(String jobId, Runnable r);

    /**
     * Waits until the stream has bytes past {@code offset}, woken by appends on this server, for at
     * most {@code timeoutMs}. The end is looked at after the waiter is in place, so that no append
     * falls between a reader's last read and its wait.
     */
    default void await(String jobId, LogStream stream, long offset, long timeoutMs)
            throws InterruptedException, IOException {
        Object signal = new Object();
        boolean[] woken = {false};
        Runnable wake = () -> {
            synchronized (signal) {
                woken[0] = true;
                signal.notifyAll();
            }
        };
        listen(jobId, wake);
        try {
            if (position(jobId, stream)[1] > offset) {
                return;
            }
            synchronized (signal) {
                if (!woken[0]) {
                    signal.wait(timeoutMs);
                }
            }
        } finally {
            unlisten(jobId, wake);
        }
    }
}
