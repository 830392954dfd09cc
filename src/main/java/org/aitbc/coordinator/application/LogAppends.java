package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import org.aitbc.coordinator.domain.LogOffsets;
import org.aitbc.coordinator.domain.LogStream;

/**
 * A miner's log append, which races for the job's row like its other writes: each try is one
 * {@link LogService} transaction, run again when it lost a lock race ({@link RetryOnConflict}). A
 * try that wrote its bytes and then lost its commit is harmless to repeat: its bytes are there
 * already, and the offset rules ({@link org.aitbc.coordinator.domain.LogOffsets}) acknowledge them.
 */
@ApplicationScoped
@RetryOnConflict
public class LogAppends {
    @EJB
    LogService logs;

    public LogOffsets.Appended append(
            Caller caller, String minerId, String jobId, Integer attempt, LogStream stream, Long offset, byte[] data) {
        return logs.append(caller, minerId, jobId, attempt, stream, offset, data);
    }
}
