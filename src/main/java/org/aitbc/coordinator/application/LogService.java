package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.aitbc.coordinator.application.CoordinatorException.FieldProblem;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.LogOffsets;
import org.aitbc.coordinator.domain.LogStream;
import org.aitbc.coordinator.infrastructure.storage.LiveLogStore;

/**
 * A miner's appends to the live logs of the job it holds, and their place in the result package.
 * An append is one transaction that locks the job's row (the lease check of every miner write)
 * and writes the bytes while it holds it: appends to one job are in order on every server, none
 * is made after the job lost its lease or ended, and a reader that sees the job ended has every
 * byte there will be. In the database home the bytes are rows of this same transaction, so they
 * commit with the lease check or not at all.
 */
@Stateless
public class LogService {
    @EJB
    MinerService miners;

    @Inject
    LiveLogStore logs;

    /** Appends {@code data} to the stream at {@code offset} (null: the end), if the miner holds the job. */
    public LogOffsets.Appended append(
            Caller caller, String minerId, String jobId, Integer attempt, LogStream stream, Long offset, byte[] data) {
        miners.checkLease(caller, minerId, jobId, attempt);
        try {
            return logs.append(jobId, stream, offset, data);
        } catch (LiveLogStore.OffsetConflictException e) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "LOG_OFFSET_CONFLICT",
                    e.getMessage() + "; send the bytes from " + e.end + " with X-Log-Offset: " + e.end,
                    List.of(new FieldProblem("X-Log-Offset", "the " + stream.wire() + " log ends at " + e.end)),
                    null);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the " + stream.wire() + " log of " + jobId, e);
        }
    }
}
