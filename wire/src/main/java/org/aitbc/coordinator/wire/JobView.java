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
    "result",
    "state",
    "assignedMinerId",
    "requestedAt",
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
        @JsonbNillable(false) String cancellation) {

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
                outcome);
    }
}
