package org.aitbc.coordinator.domain;

import jakarta.persistence.CollectionTable;
import jakarta.persistence.Column;
import jakarta.persistence.ElementCollection;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.Lob;
import jakarta.persistence.OrderBy;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import jakarta.persistence.UniqueConstraint;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The job aggregate: one client's request for compute, from submission until it ends and its
 * results are gone. All state changes go through the methods below, each of which asks
 * {@link JobState#canMoveTo} first and records a {@link JobEvent} for the change; the
 * application layer persists those events in the same transaction as the job.
 *
 * <p>Three cohesive parts of the row are {@code @Embeddable}s under the same column names: the
 * {@link Lease} (miner, assignment, lease expiry, attempt), the {@link Billing} (rates, estimate,
 * charges) and the {@link StoredResult} (the sealed files' summary). Only this class changes
 * them; queries reach their fields as {@code j.lease.expiresMs}, {@code j.storedResult.expiresMs}.
 *
 * <p>Times are stored as epoch milliseconds (portable, index-friendly on Derby and
 * PostgreSQL). {@link #version} guards every update: a claim or a cancel that lost a race
 * fails its conditional update instead of overwriting the winner.
 *
 * <p>Retries: an attempt that ends by the miner's fault (a retryable failure, a lost lease, a
 * new session of the miner) puts the job back in the queue for the next attempt, claimable from
 * {@link #notBeforeMs} (the back-off), until {@code max_attempts}; each ended attempt is kept in
 * {@link #attempts} ({@code JOB_ATTEMPT}) with what it costs, and the miner's faults cost nothing.
 * A client's retry of a failed or canceled job is a new job, linked both ways
 * ({@link #retryOf}, {@link #retriedBy}). A running job whose cost so far reaches its
 * {@code max_cost} goes to canceling with {@value #ERR_BUDGET_EXCEEDED}.
 */
@Entity
@Table(
        name = "JOB",
        indexes = {
            @Index(name = "IX_JOB_QUEUE", columnList = "STATE, PRIORITY_RANK DESC, CREATED_MS"),
            // Listing is newest first, and Derby scans indexes forwards only: hence DESC.
            @Index(name = "IX_JOB_CLIENT_NEWEST", columnList = "CLIENT_ID, CREATED_MS DESC, ID DESC"),
            @Index(name = "IX_JOB_CLIENT_STATE_NEWEST", columnList = "CLIENT_ID, STATE, CREATED_MS DESC, ID DESC"),
            @Index(name = "IX_JOB_NEWEST", columnList = "CREATED_MS DESC, ID DESC"),
            @Index(name = "IX_JOB_LEASE", columnList = "STATE, LEASE_EXPIRES_MS"),
            @Index(name = "IX_JOB_DEADLINE", columnList = "STATE, DEADLINE_MS"),
            @Index(name = "IX_JOB_MINER", columnList = "MINER_ID, STATE"),
            // Listing by the older API's job_type (payload.type), newest first, like the other lists.
            @Index(name = "IX_JOB_CLIENT_TYPE_NEWEST", columnList = "CLIENT_ID, JOB_TYPE, CREATED_MS DESC, ID DESC"),
            // Which jobs still use an uploaded input file (the file lives while their results do).
            @Index(name = "IX_JOB_INPUT_FILE", columnList = "INPUT_FILE_ID"),
            // The retention purge reads results still stored whose expiry passed: availability first,
            // so that the range holds only stored results, not every result ever purged.
            @Index(name = "IX_JOB_RESULT_DUE", columnList = "RESULT_AVAILABLE, RESULT_EXPIRES_MS"),
            // The sweep's check of running jobs with a max_cost: few rows, read by state first.
            @Index(name = "IX_JOB_CAPPED", columnList = "STATE, MAX_COST")
        },
        uniqueConstraints =
                @UniqueConstraint(
                        name = "UQ_JOB_IDEMPOTENCY",
                        columnNames = {"CLIENT_ID", "IDEMPOTENCY_KEY"}))
public class Job {
    public static final String ERR_EXPIRED = "EXPIRED";
    public static final String ERR_TIMEOUT = "TIMEOUT";
    public static final String ERR_MINER_LOST = "MINER_LOST";
    public static final String ERR_MINER_FAILED = "MINER_FAILED";
    public static final String ERR_BUDGET_EXCEEDED = "BUDGET_EXCEEDED";

    @Id
    @Column(name = "ID", length = 40)
    private String id;

    @Column(name = "CLIENT_ID", nullable = false, length = 40)
    private String clientId;

    @Enumerated(EnumType.STRING)
    @Column(name = "CLIENT_PLAN", nullable = false, length = 16)
    private Plan clientPlan;

    @Enumerated(EnumType.STRING)
    @Column(name = "STATE", nullable = false, length = 16)
    private JobState state;

    @Column(name = "PRIORITY_RANK", nullable = false)
    private int priorityRank;

    @Column(name = "MODEL", length = 200)
    private String model;

    /** The payload a miner receives, as JSON text. */
    @Lob
    @Column(name = "PAYLOAD_JSON")
    private String payloadJson;

    /** The requirements as given, as JSON text (echoed to the miner as {@code constraints}). */
    @Lob
    @Column(name = "CONSTRAINTS_JSON")
    private String constraintsJson;

    @Column(name = "GPU_TYPE", length = 40)
    private String gpuType;

    @Column(name = "GPU_COUNT", nullable = false)
    private int gpuCount;

    @Column(name = "MIN_VRAM_GB", nullable = false)
    private int minVramGb;

    @Column(name = "REGION", length = 64)
    private String region;

    /** A GPU asked for by name (older form's {@code constraints.gpu}), normalised: {@code rtx4060ti}. */
    @Column(name = "GPU_NAME", length = 200)
    private String gpuName;

    /** The minimum CUDA version, as {@link CudaVersion#rank}; null when none is asked for. */
    @Column(name = "MIN_CUDA")
    private Integer minCuda;

    /** The highest advertised price per hour a miner may ask to get this job; null for any. */
    @Column(name = "MAX_PRICE", precision = 19, scale = 6)
    private BigDecimal maxPrice;

    /** The payload's {@code type} ({@code inference}, ...), filtered on by {@code job_type}. */
    @Column(name = "JOB_TYPE", length = 64)
    private String jobType;

    /** The uploaded input file the job reads ({@code POST /v1/files}), if any. */
    @Column(name = "INPUT_FILE_ID", length = 40)
    private String inputFileId;

    @Column(name = "TIMEOUT_SECONDS", nullable = false)
    private int timeoutSeconds;

    @Column(name = "TTL_SECONDS", nullable = false)
    private int ttlSeconds;

    @Column(name = "PROGRESS", nullable = false)
    private int progress;

    @Column(name = "PROGRESS_MESSAGE", length = 1000)
    private String progressMessage;

    /** Who holds the job, since and until when, and on which attempt. */
    @Embedded
    private Lease lease;

    @Column(name = "CREATED_MS", nullable = false)
    private long createdMs;

    /**
     * The next deadline the sweeper enforces: while pending, the claim deadline (ttl); while a
     * miner holds the job, the run deadline (timeout). Stored so that the sweep is an index range.
     */
    @Column(name = "DEADLINE_MS")
    private Long deadlineMs;

    @Column(name = "STARTED_MS")
    private Long startedMs;

    /** When the job reached a final state (completed, failed or canceled). */
    @Column(name = "ENDED_MS")
    private Long endedMs;

    @Column(name = "EST_COMPLETION_MS")
    private Long estimatedCompletionMs;

    @Column(name = "CANCEL_REQUESTED_MS")
    private Long cancelRequestedMs;

    @Column(name = "ERROR_CODE", length = 64)
    private String errorCode;

    @Column(name = "ERROR_MESSAGE", length = 2000)
    private String errorMessage;

    /** Rates, estimate and charges. */
    @Embedded
    private Billing billing;

    @Lob
    @Column(name = "RESULT_JSON")
    private String resultJson;

    @Lob
    @Column(name = "METRICS_JSON")
    private String metricsJson;

    /** The summary of the stored result files. */
    @Embedded
    private StoredResult storedResult;

    @Column(name = "IDEMPOTENCY_KEY", length = 200)
    private String idempotencyKey;

    @Column(name = "REQUEST_HASH", length = 64)
    private String requestHash;

    /** While pending after a miner's fault: the earliest time the next attempt may be claimed. */
    @Column(name = "NOT_BEFORE_MS")
    private Long notBeforeMs;

    /** The job this one retries (a client's {@code POST /v1/jobs/{id}/retry}), if any. */
    @Column(name = "RETRY_OF", length = 40)
    private String retryOf;

    /** The job that retries this one, once the client asked. */
    @Column(name = "RETRIED_BY", length = 40)
    private String retriedBy;

    /** The attempts that ended, oldest first; read only when shown or when a retry needs them. */
    @ElementCollection(fetch = FetchType.LAZY)
    @CollectionTable(name = "JOB_ATTEMPT", joinColumns = @JoinColumn(name = "JOB_ID"))
    @OrderBy("number")
    private List<JobAttempt> attempts = new ArrayList<>();

    @Version
    @Column(name = "VERSION", nullable = false)
    private long version;

    @Transient
    private List<JobEvent> newEvents = new ArrayList<>();

    protected Job() {}

    /** What a client asks for; validated by the caller before it reaches the aggregate. */
    public record Spec(
            String model,
            String payloadJson,
            String constraintsJson,
            String gpuType,
            int gpuCount,
            int minVramGb,
            String region,
            Priority priority,
            int timeoutSeconds,
            int ttlSeconds,
            long estimatedSeconds,
            Matching matching,
            String jobType,
            String inputFileId,
            BigDecimal maxCost) {

        /** A spec without a {@code max_cost}. */
        public Spec(
                String model,
                String payloadJson,
                String constraintsJson,
                String gpuType,
                int gpuCount,
                int minVramGb,
                String region,
                Priority priority,
                int timeoutSeconds,
                int ttlSeconds,
                long estimatedSeconds,
                Matching matching,
                String jobType,
                String inputFileId) {
            this(
                    model,
                    payloadJson,
                    constraintsJson,
                    gpuType,
                    gpuCount,
                    minVramGb,
                    region,
                    priority,
                    timeoutSeconds,
                    ttlSeconds,
                    estimatedSeconds,
                    matching,
                    jobType,
                    inputFileId,
                    null);
        }

        /** The same spec with a {@code max_cost} (null for none). */
        public Spec withMaxCost(BigDecimal max) {
            return new Spec(
                    model,
                    payloadJson,
                    constraintsJson,
                    gpuType,
                    gpuCount,
                    minVramGb,
                    region,
                    priority,
                    timeoutSeconds,
                    ttlSeconds,
                    estimatedSeconds,
                    matching,
                    jobType,
                    inputFileId,
                    max);
        }

        /** A spec without the older form's matching constraints, job type or input file. */
        public Spec(
                String model,
                String payloadJson,
                String constraintsJson,
                String gpuType,
                int gpuCount,
                int minVramGb,
                String region,
                Priority priority,
                int timeoutSeconds,
                int ttlSeconds,
                long estimatedSeconds) {
            this(
                    model,
                    payloadJson,
                    constraintsJson,
                    gpuType,
                    gpuCount,
                    minVramGb,
                    region,
                    priority,
                    timeoutSeconds,
                    ttlSeconds,
                    estimatedSeconds,
                    Matching.NONE,
                    null,
                    null,
                    null);
        }
    }

    /**
     * Constraints matched against what the miner registered rather than against its normalised
     * columns: a GPU by (normalised) name, a minimum CUDA version ({@link CudaVersion#rank}) and a
     * highest price. Each is null when not asked for.
     */
    public record Matching(String gpuName, Integer minCuda, BigDecimal maxPrice) {
        public static final Matching NONE = new Matching(null, null, null);
    }

    public static Job submit(
            String id,
            String clientId,
            Plan plan,
            Spec spec,
            BigDecimal ratePerHour,
            BigDecimal multiplier,
            Instant now) {
        Job job = new Job();
        job.id = id;
        job.clientId = clientId;
        job.clientPlan = plan;
        job.state = JobState.PENDING;
        job.priorityRank = spec.priority().rank();
        job.model = spec.model();
        job.payloadJson = spec.payloadJson();
        job.constraintsJson = spec.constraintsJson();
        job.gpuType = spec.gpuType();
        job.gpuCount = spec.gpuCount();
        job.minVramGb = spec.minVramGb();
        job.region = spec.region();
        Matching m = spec.matching() == null ? Matching.NONE : spec.matching();
        job.gpuName = m.gpuName();
        job.minCuda = m.minCuda();
        job.maxPrice = m.maxPrice();
        job.jobType = spec.jobType();
        job.inputFileId = spec.inputFileId();
        job.timeoutSeconds = spec.timeoutSeconds();
        job.ttlSeconds = spec.ttlSeconds();
        job.lease = Lease.firstAttempt();
        job.createdMs = now.toEpochMilli();
        job.deadlineMs = job.createdMs + spec.ttlSeconds() * 1000L;
        job.billing = Billing.quote(ratePerHour, multiplier, spec.gpuCount(), spec.estimatedSeconds());
        job.billing.capAt(spec.maxCost());
        job.storedResult = StoredResult.none();
        job.record(JobEvent.STATUS, "job submitted", now);
        return job;
    }

    /**
     * The client retries this job as {@code next} (a new job submitted with {@link #spec()}):
     * both are linked. Only a failed or canceled job that no job retries yet may be retried
     * ({@link IllegalTransitionException} otherwise).
     */
    public void retriedAs(Job next, Instant now) {
        if ((state != JobState.FAILED && state != JobState.CANCELED) || retriedBy != null) {
            throw new IllegalTransitionException(state, JobState.PENDING);
        }
        retriedBy = next.id;
        next.retryOf = id;
        next.newEvents.clear();
        next.record(JobEvent.STATUS, "job submitted as a retry of " + id, now);
    }

    /** What the client asked for, as it was submitted. */
    public Spec spec() {
        return new Spec(
                model,
                payloadJson,
                constraintsJson,
                gpuType,
                gpuCount,
                minVramGb,
                region,
                getPriority(),
                timeoutSeconds,
                ttlSeconds,
                billing.estimatedSeconds(),
                new Matching(gpuName, minCuda, maxPrice),
                jobType,
                inputFileId,
                billing.maxCost());
    }

    // ---- transitions -------------------------------------------------------------------

    private void moveTo(JobState next) {
        if (!state.canMoveTo(next)) {
            throw new IllegalTransitionException(state, next);
        }
        state = next;
    }

    private void record(String type, String message, Instant now) {
        newEvents.add(new JobEvent(this, type, message, now));
    }

    /** A miner claims the pending job; it holds it until {@code leaseUntil} unless renewed. */
    public void assign(String miner, Instant now, Instant leaseUntil) {
        assign(miner, null, now, leaseUntil);
    }

    /** As {@link #assign(String, Instant, Instant)}, by the miner's session {@code session}. */
    public void assign(String miner, Integer session, Instant now, Instant leaseUntil) {
        moveTo(JobState.ASSIGNED);
        lease.grant(miner, session, now.toEpochMilli(), leaseUntil.toEpochMilli());
        deadlineMs = now.toEpochMilli() + timeoutSeconds * 1000L;
        record(JobEvent.STATUS, "assigned to " + miner, now);
    }

    /** The miner started work. Starting twice is harmless; starting a canceling job is ignored. */
    public void start(Instant now) {
        if (state == JobState.ASSIGNED) {
            moveTo(JobState.RUNNING);
            startedMs = now.toEpochMilli();
            deadlineMs = startedMs + timeoutSeconds * 1000L;
            record(JobEvent.STATUS, "started", now);
        } else if (state != JobState.RUNNING && state != JobState.CANCELING) {
            throw new IllegalTransitionException(state, JobState.RUNNING);
        }
    }

    /**
     * A progress report; an assigned job starts running with it.
     *
     * @return true when the client asked to cancel and the miner should stop
     */
    public boolean reportProgress(int percent, String message, Instant estimatedCompletion, Instant now) {
        start(now);
        progress = percent;
        progressMessage = message;
        if (estimatedCompletion != null) {
            estimatedCompletionMs = estimatedCompletion.toEpochMilli();
        } else if (percent > 0 && startedMs != null) {
            long elapsed = now.toEpochMilli() - startedMs;
            estimatedCompletionMs = startedMs + elapsed * 100 / percent;
        }
        record(JobEvent.PROGRESS, message, now);
        enforceMaxCost(now);
        return state == JobState.CANCELING;
    }

    /** What the job's run has cost so far at its terms, before any cap (zero until it starts). */
    public BigDecimal costSoFar(Instant now) {
        return billing.runCost(gpuCount, runSeconds(now.toEpochMilli()));
    }

    private long runSeconds(long untilMs) {
        return startedMs == null ? 0 : Math.max(0, (untilMs - startedMs) / 1000);
    }

    /** True while the job runs and its cost so far has reached its {@code max_cost}. */
    public boolean isOverMaxCost(Instant now) {
        return state == JobState.RUNNING && billing.reachesCap(gpuCount, runSeconds(now.toEpochMilli()));
    }

    /**
     * Stops a running job whose cost so far reached its {@code max_cost}: it goes to canceling
     * with {@value #ERR_BUDGET_EXCEEDED}, and its miner is told as for a client's cancel. Checked
     * at every progress report, heartbeat and sweep.
     *
     * @return true when this call stopped the job
     */
    public boolean enforceMaxCost(Instant now) {
        if (!isOverMaxCost(now)) {
            return false;
        }
        moveTo(JobState.CANCELING);
        cancelRequestedMs = now.toEpochMilli();
        errorCode = ERR_BUDGET_EXCEEDED;
        errorMessage = "the cost so far (" + costSoFar(now).toPlainString() + ") reached max_cost "
                + billing.maxCost().toPlainString() + "; the job is being stopped and is billed at most max_cost";
        record(JobEvent.STATUS, errorMessage, now);
        return true;
    }

    public void renewLease(Instant leaseUntil) {
        if (state.isLeased()) {
            lease.renew(leaseUntil.toEpochMilli());
        }
    }

    /**
     * The miner delivered its result. A job that never started goes through running first; a
     * canceling job ends canceled, keeping what was delivered as partial results.
     */
    public void complete(String result, String metrics, Instant now) {
        resultJson = result;
        metricsJson = metrics;
        if (state == JobState.CANCELING) {
            end(JobState.CANCELED, now, "canceled; partial result kept", true, JobState.CANCELED.wire());
            return;
        }
        if (state == JobState.ASSIGNED) {
            // The run time of a job that completed without a start call counts from here: zero.
            start(now);
        }
        progress = 100;
        end(JobState.COMPLETED, now, "completed", true, JobState.COMPLETED.wire());
    }

    /** The miner gave up on the job; for a canceling job this is its acknowledgement. */
    public void fail(String code, String message, Instant now) {
        fail(code, message, false, 0, null, now);
    }

    /**
     * The miner gave up on the job. A failure by the miner's fault ({@code minerAtFault}: the
     * miner said it is retryable, or its code is one the operator lists) puts the job back in the
     * queue for the next attempt, claimable from {@code notBefore}, while attempts remain; the
     * attempt is not billed, nor is a last attempt that ends the job this way. Any other failure
     * ends the job failed, billed for the time it ran. For a canceling job this is the miner's
     * acknowledgement of the cancel.
     */
    public void fail(
            String code, String message, boolean minerAtFault, int maxAttempts, Instant notBefore, Instant now) {
        if (state == JobState.CANCELING) {
            end(JobState.CANCELED, now, "canceled", true, JobState.CANCELED.wire());
            return;
        }
        String c = code == null || code.isBlank() ? ERR_MINER_FAILED : code;
        if (minerAtFault && lease.attempt() < maxAttempts) {
            String miner = lease.minerId();
            int ended = lease.attempt();
            endAttempt(JobAttempt.MINER_FAILED, c, now);
            requeue(
                    now,
                    notBefore,
                    "attempt " + ended + " ended: miner " + miner + " failed (" + c
                            + (message == null || message.isBlank() ? "" : ": " + message)
                            + "), a miner-side fault that is not billed");
            return;
        }
        errorCode = c;
        errorMessage = message;
        String why = message == null ? "failed" : message;
        if (minerAtFault) {
            end(JobState.FAILED, now, why + " (miner-side fault; not billed)", false, JobAttempt.MINER_FAILED);
        } else {
            end(JobState.FAILED, now, why, true, JobState.FAILED.wire());
        }
    }

    /** What a cancel request did. */
    public enum CancelOutcome {
        CANCELED,
        CANCELING
    }

    /**
     * The client cancels. Pending and assigned jobs end at once at no cost; a running job's
     * miner must stop first, so it becomes canceling. Asking again while canceling is harmless.
     */
    public CancelOutcome cancel(Instant now) {
        if (state == JobState.CANCELING) {
            return CancelOutcome.CANCELING;
        }
        if (state == JobState.RUNNING) {
            moveTo(JobState.CANCELING);
            cancelRequestedMs = now.toEpochMilli();
            record(JobEvent.STATUS, "cancel requested", now);
            return CancelOutcome.CANCELING;
        }
        if (!state.canMoveTo(JobState.CANCELED)) {
            throw new IllegalTransitionException(state, JobState.CANCELED);
        }
        cancelRequestedMs = now.toEpochMilli();
        end(JobState.CANCELED, now, "canceled", true, JobState.CANCELED.wire());
        return CancelOutcome.CANCELED;
    }

    /**
     * The miner's lease ran out: the job goes back to the queue for another attempt, or fails
     * with {@code MINER_LOST} once {@code maxAttempts} are used; a canceling job is canceled.
     */
    public void leaseExpired(int maxAttempts, Instant now) {
        leaseExpired(maxAttempts, null, now);
    }

    /** As {@link #leaseExpired(int, Instant)}, the next attempt claimable from {@code notBefore}. */
    public void leaseExpired(int maxAttempts, Instant notBefore, Instant now) {
        String miner = lease.minerId();
        lose(
                maxAttempts,
                notBefore,
                JobAttempt.LEASE_LOST,
                now,
                "canceled; miner did not acknowledge before its lease ran out",
                "miner " + miner + " stopped renewing its lease",
                "miner " + miner + " lost its lease");
    }

    /**
     * The miner holding the job registered again: the process that held it is gone. As a lost
     * lease, at once: requeued for another attempt, {@code MINER_LOST} after the last one.
     */
    public void sessionEnded(int maxAttempts, Instant now) {
        String miner = lease.minerId();
        lose(
                maxAttempts,
                null,
                JobAttempt.SESSION_ENDED,
                now,
                "canceled; miner " + miner + " registered again before acknowledging",
                "miner " + miner + " registered again (a new session) while holding the job",
                "miner " + miner + " registered again (a new session)");
    }

    private void lose(
            int maxAttempts,
            Instant notBefore,
            String outcome,
            Instant now,
            String canceledMessage,
            String lostWhy,
            String requeueWhy) {
        if (state == JobState.CANCELING) {
            // The client asked to stop it: billed for the time used, as any cancel.
            end(JobState.CANCELED, now, canceledMessage, true, JobState.CANCELED.wire());
            return;
        }
        if (lease.attempt() >= maxAttempts) {
            errorCode = ERR_MINER_LOST;
            errorMessage = lostWhy + "; " + lease.attempt() + " attempt(s) used";
            end(JobState.FAILED, now, errorMessage, false, outcome);
            return;
        }
        int ended = lease.attempt();
        endAttempt(outcome, ERR_MINER_LOST, now);
        requeue(now, notBefore, "attempt " + ended + " ended: " + requeueWhy);
    }

    /** Records the attempt now ending by the miner's fault: billed nothing. */
    private void endAttempt(String outcome, String code, Instant now) {
        attempts.add(new JobAttempt(
                lease.attempt(),
                lease.minerId(),
                lease.assignedMs(),
                startedMs,
                now.toEpochMilli(),
                outcome,
                code,
                false,
                0,
                BigDecimal.ZERO.setScale(Pricing.SCALE)));
    }

    /** Back to the queue for the next attempt, claimable from {@code notBefore} (null: at once). */
    private void requeue(Instant now, Instant notBefore, String why) {
        moveTo(JobState.PENDING);
        lease.requeue();
        startedMs = null;
        progress = 0;
        progressMessage = null;
        estimatedCompletionMs = null;
        long from = notBefore == null ? now.toEpochMilli() : Math.max(now.toEpochMilli(), notBefore.toEpochMilli());
        notBeforeMs = from > now.toEpochMilli() ? from : null;
        // A requeued job gets a fresh claim window, from when it may be claimed.
        deadlineMs = from + ttlSeconds * 1000L;
        record(
                JobEvent.STATUS,
                why + "; requeued for attempt " + lease.attempt()
                        + (notBeforeMs == null ? "" : ", claimable from " + Instant.ofEpochMilli(notBeforeMs)),
                now);
    }

    /** Nobody claimed the job within its {@code ttl_seconds}. */
    public void expireUnclaimed(Instant now) {
        errorCode = ERR_EXPIRED;
        errorMessage = "no miner claimed the job within " + ttlSeconds + " s";
        end(JobState.FAILED, now, errorMessage, true, JobState.FAILED.wire());
    }

    /** The job ran past its {@code timeout_seconds}. */
    public void timeOut(Instant now) {
        if (state == JobState.CANCELING) {
            end(JobState.CANCELED, now, "canceled", true, JobState.CANCELED.wire());
            return;
        }
        errorCode = ERR_TIMEOUT;
        errorMessage = "the job ran longer than its timeout of " + timeoutSeconds + " s";
        end(JobState.FAILED, now, errorMessage, true, "timed_out");
    }

    /**
     * The job ends. {@code billable} false means the last attempt ended by its miner's fault and
     * costs the client nothing; the attempt a miner held is recorded with {@code outcome}.
     */
    private void end(JobState finalState, Instant now, String message, boolean billable, String outcome) {
        moveTo(finalState);
        endedMs = now.toEpochMilli();
        lease.stop();
        deadlineMs = null;
        notBeforeMs = null;
        long billableSeconds = billable ? runSeconds(endedMs) : 0;
        billing.chargeRun(gpuCount, billableSeconds);
        if (lease.minerId() != null) {
            attempts.add(new JobAttempt(
                    lease.attempt(),
                    lease.minerId(),
                    lease.assignedMs(),
                    startedMs,
                    endedMs,
                    outcome,
                    finalState == JobState.COMPLETED ? null : errorCode,
                    billable,
                    billableSeconds,
                    billing.cost()));
        }
        record(JobEvent.STATUS, message, now);
    }

    /** True when the job may be claimed now: pending, and past any back-off. */
    public boolean isClaimable(Instant now) {
        return state == JobState.PENDING && (notBeforeMs == null || notBeforeMs <= now.toEpochMilli());
    }

    /** The miners whose attempts at this job ended by their fault (read from {@code JOB_ATTEMPT}). */
    public java.util.Set<String> faultedMiners() {
        java.util.Set<String> out = new java.util.LinkedHashSet<>();
        for (JobAttempt a : attempts) {
            if (!a.isBillable() && a.getMinerId() != null) {
                out.add(a.getMinerId());
            }
        }
        return out;
    }

    // ---- deadlines the sweeper checks ----------------------------------------------------

    public boolean isLeaseExpired(Instant now) {
        return state.isLeased() && lease.isExpired(now.toEpochMilli());
    }

    public boolean isUnclaimedTooLong(Instant now) {
        return state == JobState.PENDING && deadlineMs != null && deadlineMs < now.toEpochMilli();
    }

    public boolean isPastTimeout(Instant now) {
        return state.isLeased() && deadlineMs != null && deadlineMs < now.toEpochMilli();
    }

    // ---- results ---------------------------------------------------------------------------

    /** Records the sealed result files and when they go, counted from when the job ended. */
    public void sealResult(long sizeBytes, String sha256, Instant expiresAt) {
        storedResult.seal(sizeBytes, sha256, expiresAt.toEpochMilli());
    }

    /** Adds the storage charge for the GB-days the results were kept; once. */
    public void chargeStorage(BigDecimal amount) {
        billing.chargeStorage(amount);
    }

    public void markResultDeleted(Instant now) {
        storedResult.markDeleted(now.toEpochMilli());
    }

    public void setIdempotency(String key, String hash) {
        this.idempotencyKey = key;
        this.requestHash = hash;
    }

    /** Events recorded since the last call; the caller persists them with the job. */
    public List<JobEvent> drainEvents() {
        List<JobEvent> out = newEvents;
        newEvents = new ArrayList<>();
        return out;
    }

    // ---- read access ------------------------------------------------------------------------

    private static Instant at(Long ms) {
        return ms == null ? null : Instant.ofEpochMilli(ms);
    }

    public String getId() {
        return id;
    }

    public String getClientId() {
        return clientId;
    }

    public Plan getClientPlan() {
        return clientPlan;
    }

    public JobState getState() {
        return state;
    }

    public Priority getPriority() {
        return Priority.fromRank(priorityRank);
    }

    public String getModel() {
        return model;
    }

    public String getPayloadJson() {
        return payloadJson;
    }

    public String getConstraintsJson() {
        return constraintsJson;
    }

    public String getGpuType() {
        return gpuType;
    }

    public int getGpuCount() {
        return gpuCount;
    }

    public int getMinVramGb() {
        return minVramGb;
    }

    public String getRegion() {
        return region;
    }

    public String getGpuName() {
        return gpuName;
    }

    public Integer getMinCuda() {
        return minCuda;
    }

    public BigDecimal getMaxPrice() {
        return maxPrice;
    }

    public String getJobType() {
        return jobType;
    }

    public String getInputFileId() {
        return inputFileId;
    }

    public int getTimeoutSeconds() {
        return timeoutSeconds;
    }

    public int getTtlSeconds() {
        return ttlSeconds;
    }

    public int getProgress() {
        return progress;
    }

    public String getProgressMessage() {
        return progressMessage;
    }

    public String getMinerId() {
        return lease.minerId();
    }

    /** The session of its miner that claimed the job, while it is held; null for older claims. */
    public Integer getLeaseSession() {
        return lease.session();
    }

    public int getAttempt() {
        return lease.attempt();
    }

    public Instant getLeaseExpiresAt() {
        return at(lease.expiresMs());
    }

    public Instant getCreatedAt() {
        return Instant.ofEpochMilli(createdMs);
    }

    public long getCreatedMs() {
        return createdMs;
    }

    public Instant getAssignedAt() {
        return at(lease.assignedMs());
    }

    public Instant getStartedAt() {
        return at(startedMs);
    }

    public Instant getEndedAt() {
        return at(endedMs);
    }

    public Instant getEstimatedCompletion() {
        return at(estimatedCompletionMs);
    }

    Long getEstimatedCompletionMs() {
        return estimatedCompletionMs;
    }

    public Instant getCancelRequestedAt() {
        return at(cancelRequestedMs);
    }

    public String getErrorCode() {
        return errorCode;
    }

    public String getErrorMessage() {
        return errorMessage;
    }

    public BigDecimal getRatePerHour() {
        return billing.ratePerHour();
    }

    public BigDecimal getPriceMultiplier() {
        return billing.priceMultiplier();
    }

    public long getEstimatedSeconds() {
        return billing.estimatedSeconds();
    }

    public BigDecimal getEstimatedCost() {
        return billing.estimatedCost();
    }

    public BigDecimal getCost() {
        return billing.cost();
    }

    public BigDecimal getStorageCost() {
        return billing.storageCost();
    }

    public String getResultJson() {
        return resultJson;
    }

    public String getMetricsJson() {
        return metricsJson;
    }

    public boolean isResultAvailable() {
        return storedResult.available();
    }

    public Long getResultSizeBytes() {
        return storedResult.sizeBytes();
    }

    public String getResultSha256() {
        return storedResult.sha256();
    }

    public Instant getResultExpiresAt() {
        return at(storedResult.expiresMs());
    }

    public Instant getResultDeletedAt() {
        return at(storedResult.deletedMs());
    }

    public String getIdempotencyKey() {
        return idempotencyKey;
    }

    public String getRequestHash() {
        return requestHash;
    }

    public long getVersion() {
        return version;
    }

    /** The ended attempts, oldest first (loads them). */
    public List<JobAttempt> getAttempts() {
        return List.copyOf(attempts);
    }

    /** The earliest time the next attempt may be claimed, while the job waits out a back-off. */
    public Instant getNotBefore() {
        return at(notBeforeMs);
    }

    public String getRetryOf() {
        return retryOf;
    }

    public String getRetriedBy() {
        return retriedBy;
    }

    public BigDecimal getMaxCost() {
        return billing.maxCost();
    }
}
