package org.aitbc.coordinator.wire;

import jakarta.json.JsonValue;
import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * A job as clients see it. {@code state}, {@code assigned_miner_id} and {@code requested_at}
 * repeat {@code status}, {@code miner_id} and {@code created_at} for clients of the older
 * marketplace API. {@code constraints} are the requirements the job is matched on, as handed to
 * miners. {@code cancellation} appears only in the answer to a cancel.
 *
 * <p>Present only when they apply: {@code max_cost} (the client's cap), {@code retry_of} /
 * {@code retried_by} (a client's retry links both jobs) and {@code attempts} (each attempt a miner
 * held, in the single job's view, once there is one).
 */
@JsonbPropertyOrder({
    "jobId",
    "status",
    "progress",
    "minerId",
    "model",
    "priority",
    "constraints",
    "createdAt",
    "assignedAt",
    "startedAt",
    "completedAt",
    "estimatedCompletion",
    "attempt",
    "error",
    "estimatedCost",
    "estimatedTimeSeconds",
    "cost",
    "maxCost",
    "attempts",
    "result",
    "state",
    "assignedMinerId",
    "requestedAt",
    "retryOf",
    "retriedBy",
    "cancellation"
})
public record JobView(
        String jobId,
        String status,
        int progress,
        String minerId,
        String model,
        String priority,
        Instant createdAt,
        Instant assignedAt,
        Instant startedAt,
        Instant completedAt,
        Instant estimatedCompletion,
        int attempt,
        JobError error,
        BigDecimal estimatedCost,
        long estimatedTimeSeconds,
        BigDecimal cost,
        ResultInfo result,
        String state,
        String assignedMinerId,
        Instant requestedAt,
        JsonValue constraints,
        @JsonbNillable(false) String cancellation,
        @JsonbNillable(false) BigDecimal maxCost,
        @JsonbNillable(false) String retryOf,
        @JsonbNillable(false) String retriedBy,
        @JsonbNillable(false) java.util.List<Attempt> attempts) {

    /**
     * One attempt: its miner, from claim (and start) to end, how it ended and what of it is billed.
     * An attempt ended by the miner's fault ({@code miner_failed}, {@code lease_lost},
     * {@code session_ended}) is not billable. The attempt still running has no {@code ended_at},
     * and no billable seconds or cost yet (null: they are known when it ends); its outcome is the
     * job's status.
     */
    @JsonbPropertyOrder({
        "attempt",
        "minerId",
        "assignedAt",
        "startedAt",
        "endedAt",
        "outcome",
        "errorCode",
        "billable",
        "billableSeconds",
        "cost"
    })
    public record Attempt(
            int attempt,
            String minerId,
            Instant assignedAt,
            Instant startedAt,
            Instant endedAt,
            String outcome,
            @JsonbNillable(false) String errorCode,
            boolean billable,
            Long billableSeconds,
            BigDecimal cost) {}

    /** Why a job failed: {@code EXPIRED}, {@code TIMEOUT}, {@code MINER_LOST}, or the miner's own code. */
    public record JobError(String code, String message) {}

    /** Whether results can be downloaded, and their size, digest and expiry. */
    public record ResultInfo(
            boolean available,
            Long sizeBytes,
            String sha256,
            Instant expiresAt,
            @JsonbNillable(false) Instant deletedAt) {}

    public JobView withCancellation(String outcome) {
        return new JobView(
                jobId,
                status,
                progress,
                minerId,
                model,
                priority,
                createdAt,
                assignedAt,
                startedAt,
                completedAt,
                estimatedCompletion,
                attempt,
                error,
                estimatedCost,
                estimatedTimeSeconds,
                cost,
                result,
                state,
                assignedMinerId,
                requestedAt,
                constraints,
                outcome,
                maxCost,
                retryOf,
                retriedBy,
                attempts);
    }
}
