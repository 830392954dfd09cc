package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.List;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * The miner's writes about its jobs, which race with the client's cancel, the lease sweep and
 * one another: each try is one {@link MinerService} transaction, run again when it lost a lock or
 * version race ({@link RetryOnConflict}). Holds no transaction itself, which is what lets it
 * retry one. Registering is here too: it requeues the jobs of the miner's previous session, which
 * races like any other write of those jobs. Claiming is not: a claim that loses a race moves on
 * to the next candidate instead ({@link MinerService#tryClaim}).
 */
@ApplicationScoped
@RetryOnConflict
public class MinerCommands {
    @EJB
    MinerService miners;

    public MinerService.Registration register(
            Caller caller, String minerId, MinerService.Profile profile, MinerService.Details details) {
        return miners.register(caller, minerId, profile, details);
    }

    public List<String> heartbeat(Caller caller, String minerId, String status) {
        return miners.heartbeat(caller, minerId, status);
    }

    public List<String> heartbeat(
            Caller caller, String minerId, String status, Integer inflight, String telemetryJson) {
        return miners.heartbeat(caller, minerId, status, inflight, telemetryJson);
    }

    public Job start(Caller caller, String minerId, String jobId, Integer attempt) {
        return miners.start(caller, minerId, jobId, attempt);
    }

    public boolean progress(
            Caller caller,
            String minerId,
            String jobId,
            Integer attempt,
            int percent,
            String message,
            Instant estimatedCompletion) {
        return miners.progress(caller, minerId, jobId, attempt, percent, message, estimatedCompletion);
    }

    public Job complete(
            Caller caller, String minerId, String jobId, Integer attempt, String resultJson, String metricsJson) {
        return miners.complete(caller, minerId, jobId, attempt, resultJson, metricsJson);
    }

    public Job fail(Caller caller, String minerId, String jobId, Integer attempt, String code, String message) {
        return miners.fail(caller, minerId, jobId, attempt, code, message);
    }

    public Job fail(
            Caller caller,
            String minerId,
            String jobId,
            Integer attempt,
            String code,
            String message,
            Boolean retryable) {
        return miners.fail(caller, minerId, jobId, attempt, code, message, retryable);
    }

    /** Puts a staged upload in place; see {@link ResultUploads}. */
    public ResultStore.Written storeFile(
            Caller caller, String minerId, String jobId, Integer attempt, String path, ResultStore.Written staged) {
        return miners.storeFile(caller, minerId, jobId, attempt, path, staged);
    }
}
