package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.DailyStats;
import org.aitbc.coordinator.domain.Days;
import org.aitbc.coordinator.domain.IllegalTransitionException;
import org.aitbc.coordinator.domain.InputFile;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.JobQuery;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Pricing;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.LogFields;
import org.aitbc.coordinator.infrastructure.observability.Metrics;
import org.aitbc.coordinator.infrastructure.persistence.DailyCounters;
import org.aitbc.coordinator.infrastructure.persistence.InputFileRepository;
import org.aitbc.coordinator.infrastructure.persistence.JobEventStore;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.infrastructure.security.Ids;
import org.aitbc.coordinator.infrastructure.security.LogText;
import org.aitbc.coordinator.wire.DailyJobStats;
import org.aitbc.coordinator.wire.JobStats;

/** The client's use cases: submit, read, list, follow and cancel jobs. One transaction each. */
@Stateless
public class JobService {
    private static final Logger LOG = Logger.getLogger(JobService.class.getName());

    @Inject
    JobRepository jobs;

    @EJB
    WebhookService webhooks;

    @Inject
    JobEventStore events;

    @Inject
    DailyCounters counters;

    @Inject
    CoordinatorConfig config;

    @Inject
    Metrics metrics;

    @Inject
    InputFileRepository inputFiles;

    @Inject
    Budgets budgets;

    /** The job and whether this call created it (false: an idempotent retry). */
    public record Submitted(Job job, boolean created, WebhookService.Created callback) {
        public Submitted(Job job, boolean created) {
            this(job, created, null);
        }
    }

    public Submitted submit(Caller caller, Job.Spec spec, String idempotencyKey, String requestHash) {
        return submit(caller, spec, idempotencyKey, requestHash, null);
    }

    /** As above; a {@code callbackUrl} (already checked) becomes a one-job webhook, before the first event. */
    public Submitted submit(
            Caller caller, Job.Spec spec, String idempotencyKey, String requestHash, String callbackUrl) {
        Job earlier = earlier(caller, idempotencyKey, requestHash);
        if (earlier != null) {
            return new Submitted(earlier, false);
        }
        Job job = newJob(caller, spec, "");
        budgets.admit(caller, job.getEstimatedCost(), now());
        if (idempotencyKey != null) {
            job.setIdempotency(idempotencyKey, requestHash);
        }
        WebhookService.Created callback =
                callbackUrl == null ? null : webhooks.forJob(caller.accountId(), job.getId(), callbackUrl);
        jobs.add(job);
        metrics.submitted(1);
        // The job id exists only now: the request's log fields could not carry it.
        try (var fields = LogFields.scope(job.getId(), null, caller.accountId())) {
            LOG.info(() -> "job " + job.getId() + " submitted by " + caller.accountId() + " (model "
                    + LogText.of(job.getModel()) + ", priority "
                    + job.getPriority().wire() + ")");
        }
        return new Submitted(job, true, callback);
    }

    /** All or nothing: a batch either creates every job or none. */
    public List<Job> submitBatch(Caller caller, List<Job.Spec> specs) {
        List<Job> created = new ArrayList<>(specs.size());
        BigDecimal estimates = BigDecimal.ZERO;
        for (int i = 0; i < specs.size(); i++) {
            Job job = newJob(caller, specs.get(i), "[" + i + "].");
            estimates = estimates.add(job.getEstimatedCost());
            created.add(job);
        }
        budgets.admit(caller, estimates, now());
        created.forEach(jobs::add);
        metrics.submitted(created.size());
        LOG.info(() -> created.size() + " jobs submitted in a batch by " + caller.accountId());
        return created;
    }

    /** Finds the job a previous submission with this Idempotency-Key created, if any. */
    public Job findIdempotent(Caller caller, String idempotencyKey) {
        return jobs.findByIdempotencyKey(caller.accountId(), idempotencyKey);
    }

    /**
     * The job an earlier request with this Idempotency-Key created, or null; the same key with a
     * different request is 422 IDEMPOTENCY_MISMATCH.
     */
    private Job earlier(Caller caller, String idempotencyKey, String requestHash) {
        if (idempotencyKey == null) {
            return null;
        }
        Job existing = jobs.findByIdempotencyKey(caller.accountId(), idempotencyKey);
        if (existing != null && !existing.getRequestHash().equals(requestHash)) {
            throw new CoordinatorException(
                    Kind.INVALID,
                    "IDEMPOTENCY_MISMATCH",
                    "Idempotency-Key " + idempotencyKey + " was used before with a different request body");
        }
        return existing;
    }

    /**
     * A client's retry of its failed or canceled job: a new job with the same spec, priced now,
     * linked both ways. Idempotency-Key works as for submissions; a job already retried is 409
     * (retry the newer one).
     */
    public Submitted retry(Caller caller, String jobId, String idempotencyKey, String requestHash) {
        Job earlier = earlier(caller, idempotencyKey, requestHash);
        if (earlier != null) {
            return new Submitted(earlier, false);
        }
        get(caller, jobId);
        Job original = jobs.lock(jobId);
        JobState s = original.getState();
        if (s != JobState.FAILED && s != JobState.CANCELED) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "INVALID_STATE",
                    "job " + jobId + " is " + s.wire() + "; only a failed or canceled job can be retried");
        }
        if (original.getRetriedBy() != null) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "INVALID_STATE",
                    "job " + jobId + " was already retried as " + original.getRetriedBy() + "; retry that job instead");
        }
        Job next = newJob(caller, original.spec(), "");
        budgets.admit(caller, next.getEstimatedCost(), now());
        original.retriedAs(next, now());
        if (idempotencyKey != null) {
            next.setIdempotency(idempotencyKey, requestHash);
        }
        jobs.add(next);
        metrics.submitted(1);
        LOG.info(() -> "job " + jobId + " retried as " + next.getId() + " by " + caller.accountId());
        return new Submitted(next, true);
    }

    /** The caller's month: its budget, spend and commitments ({@code GET /v1/account}). */
    public Budgets.Month month(Caller caller) {
        return budgets.month(caller.accountId(), caller.plan(), now());
    }

    /** A new job priced now; a {@code max_cost} below its estimate is 422 naming {@code max_cost}. */
    private Job newJob(Caller caller, Job.Spec spec, String fieldPrefix) {
        if (spec.inputFileId() != null) {
            useInput(caller, spec.inputFileId());
        }
        return draft(caller, spec, fieldPrefix);
    }

    /** The job a submission of {@code spec} would create, priced as it would be, and not saved (a quote). */
    public Job draft(Caller caller, Job.Spec spec) {
        return draft(caller, spec, "");
    }

    /** As {@link #draft(Caller, Job.Spec)}; a {@code max_cost} below the estimate is 422 naming it. */
    private Job draft(Caller caller, Job.Spec spec, String fieldPrefix) {
        BigDecimal rate = spec.gpuType() == null
                ? rateOfName(spec.matching() == null ? null : spec.matching().gpuName())
                : config.gpuRates().get(spec.gpuType());
        Job job = Job.submit(
                Ids.jobId(), caller.accountId(), caller.plan(), spec, rate, config.multiplier(spec.priority()), now());
        if (job.getMaxCost() != null && job.getEstimatedCost().compareTo(job.getMaxCost()) > 0) {
            throw CoordinatorException.validation(List.of(new CoordinatorException.FieldProblem(
                    fieldPrefix + "max_cost",
                    "is " + job.getMaxCost().stripTrailingZeros().toPlainString() + ", below the estimated_cost of "
                            + job.getEstimatedCost().stripTrailingZeros().toPlainString()
                            + "; raise it, or lower timeout_seconds")));
        }
        return job;
    }

    /**
     * The caller's uploaded file, marked used: it now lives as long as the job's results. A file of
     * another client, a missing one or one whose unused period ran out is "not found" alike.
     */
    private void useInput(Caller caller, String fileId) {
        InputFile f = inputFiles.lock(fileId);
        if (f == null || !f.getClientId().equals(caller.accountId()) || f.isExpiredUnused(now())) {
            throw InputFileService.notFound(fileId);
        }
        f.markUsed();
    }

    /** A GPU asked for by name costs the rate of the known GPU type its name contains, else the default. */
    private BigDecimal rateOfName(String gpuName) {
        if (gpuName != null) {
            for (Map.Entry<String, BigDecimal> known : config.gpuRates().entrySet()) {
                if (gpuName.contains(known.getKey())) {
                    return known.getValue();
                }
            }
        }
        return config.defaultRate();
    }

    /** The caller's job; another client's job is "not found", exactly like a missing one. */
    public Job get(Caller caller, String jobId) {
        Job job = jobs.find(jobId);
        if (job == null || !(caller.isAdmin() || job.getClientId().equals(caller.accountId()))) {
            throw CoordinatorException.jobNotFound(jobId);
        }
        return job;
    }

    /** The caller's job with its ended attempts loaded, for the single job's view. */
    public Job detail(Caller caller, String jobId) {
        Job job = get(caller, jobId);
        job.getAttempts();
        return job;
    }

    public List<JobEvent> events(Caller caller, String jobId, long after, int max) {
        get(caller, jobId);
        return events.events(jobId, after, max);
    }

    /** One page and the total; the caller sees its own jobs, an admin everyone's. */
    public record Page(List<Job> jobs, long total, boolean hasMore) {}

    public Page list(Caller caller, JobQuery query, int limit) {
        return list(caller, query, limit, 0);
    }

    /** The page after skipping {@code offset} matching jobs (the older API's offset paging). */
    public Page list(Caller caller, JobQuery query, int limit, int offset) {
        JobQuery scoped = scoped(caller, query);
        List<Job> page = jobs.page(scoped, limit + 1, offset);
        boolean more = page.size() > limit;
        return new Page(more ? page.subList(0, limit) : page, counters.count(scoped), more);
    }

    /**
     * Statistics over jobs submitted from {@code fromDay} to {@code toDay} (UTC days, inclusive):
     * ended jobs from the daily counters, active ones from the state index.
     */
    public JobStats stats(Caller caller, long fromDay, long toDay) {
        String client = caller.isAdmin() ? null : caller.accountId();
        Map<String, Long> byStatus = new LinkedHashMap<>();
        for (JobState s : JobState.values()) {
            byStatus.put(s.wire(), 0L);
        }
        BigDecimal spent = BigDecimal.ZERO.setScale(Pricing.SCALE);
        long completedRunSeconds = 0;
        for (DailyStats row : counters.dailyStats(client, fromDay, toDay)) {
            byStatus.merge(row.getStatus(), row.getJobs(), Long::sum);
            spent = spent.add(row.getSpent());
            if (JobState.COMPLETED.wire().equals(row.getStatus())) {
                completedRunSeconds += row.getRunSeconds();
            }
        }
        counters.activeCounts(client, Days.startMs(fromDay), Days.startMs(toDay + 1))
                .forEach((state, n) -> byStatus.merge(state.wire(), n, Long::sum));
        long completed = byStatus.get(JobState.COMPLETED.wire());
        long finished = completed + byStatus.get(JobState.FAILED.wire()) + byStatus.get(JobState.CANCELED.wire());
        long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
        return new JobStats(
                total,
                byStatus,
                finished == 0 ? null : (double) completed / finished,
                completed == 0 ? null : (double) completedRunSeconds / completed,
                spent,
                LocalDate.ofEpochDay(fromDay).toString(),
                LocalDate.ofEpochDay(toDay).toString());
    }

    /**
     * Ended jobs per UTC day of submission, {@code fromDay} to {@code toDay} inclusive, every day
     * present: the same DAILY_STATS rows as {@link #stats}, a few per day whatever the job count.
     */
    public DailyJobStats dailyStats(Caller caller, long fromDay, long toDay) {
        String client = caller.isAdmin() ? null : caller.accountId();
        Map<Long, List<DailyStats>> byDay = new java.util.HashMap<>();
        for (DailyStats row : counters.dailyStats(client, fromDay, toDay)) {
            byDay.computeIfAbsent(row.getEpochDay(), d -> new ArrayList<>()).add(row);
        }
        List<DailyJobStats.Day> days = new ArrayList<>();
        for (long day = fromDay; day <= toDay; day++) {
            Map<String, Long> byStatus = new LinkedHashMap<>();
            for (JobState s : JobState.values()) {
                if (s.isFinal()) {
                    byStatus.put(s.wire(), 0L);
                }
            }
            BigDecimal spent = BigDecimal.ZERO.setScale(Pricing.SCALE);
            long runSeconds = 0;
            for (DailyStats row : byDay.getOrDefault(day, List.of())) {
                byStatus.merge(row.getStatus(), row.getJobs(), Long::sum);
                spent = spent.add(row.getSpent());
                if (JobState.COMPLETED.wire().equals(row.getStatus())) {
                    runSeconds += row.getRunSeconds();
                }
            }
            long completed = byStatus.get(JobState.COMPLETED.wire());
            long total = byStatus.values().stream().mapToLong(Long::longValue).sum();
            days.add(new DailyJobStats.Day(
                    LocalDate.ofEpochDay(day).toString(),
                    total,
                    byStatus,
                    total == 0 ? null : (double) completed / total,
                    completed == 0 ? null : (double) runSeconds / completed,
                    spent));
        }
        return new DailyJobStats(
                LocalDate.ofEpochDay(fromDay).toString(),
                LocalDate.ofEpochDay(toDay).toString(),
                days);
    }

    /** One page of an export: like {@link #list} without the total, for streaming every row. */
    public List<Job> exportPage(Caller caller, JobQuery query, int limit) {
        return jobs.page(scoped(caller, query), limit);
    }

    /** The query over the caller's own jobs; an admin's covers everyone's. */
    private static JobQuery scoped(Caller caller, JobQuery query) {
        return query.forClient(caller.isAdmin() ? null : caller.accountId());
    }

    /** What a cancel did, and the job afterwards. */
    public record Canceled(Job job, Job.CancelOutcome outcome) {}

    public Canceled cancel(Caller caller, String jobId) {
        get(caller, jobId);
        Job job = jobs.lock(jobId);
        try {
            Job.CancelOutcome outcome = job.cancel(now());
            jobs.saveEvents(job);
            if (outcome == Job.CancelOutcome.CANCELED) {
                metrics.canceled();
            }
            LOG.info(() -> "job " + jobId + " cancel requested by " + caller.accountId() + ": "
                    + job.getState().wire());
            return new Canceled(job, outcome);
        } catch (IllegalTransitionException e) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "INVALID_STATE",
                    "job " + jobId + " is already " + job.getState().wire() + " and cannot be canceled");
        }
    }

    static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
