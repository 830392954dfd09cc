package org.aitbc.coordinator.infrastructure.observability;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.aitbc.coordinator.domain.Job;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;
import org.eclipse.microprofile.metrics.Timer;

/**
 * The counters and histograms of the job life operators read at {@code /metrics} (application
 * scope): submissions, claims, completions, failures by error code, cancels, requeues after a lost
 * lease, result storage and purges; queue wait, run time and claim latency as timers, which
 * MicroProfile Metrics prints in seconds with the buckets configured in
 * microprofile-config.properties ({@code mp.metrics.distribution.timer.buckets}), so that
 * {@code histogram_quantile} adds up across servers. Jobs by state and the other gauges are
 * {@link JobStateGauges} and {@link OperationsGauges}; requests are {@link HttpMetrics}.
 */
@ApplicationScoped
public class Metrics {
    /** Failure codes given a series of their own; past that, miners' codes count as OTHER. */
    static final int MAX_ERROR_CODES = 32;

    private static final Pattern CODE = Pattern.compile("[A-Z][A-Z0-9_]{0,39}");

    @Inject
    MetricRegistry registry;

    private Counter submitted;
    private Counter claims;
    private Counter completed;
    private Counter failed;
    private Counter canceled;
    private Counter requeued;
    private Counter bytesStored;
    private Counter resultsPurged;
    private Counter retentionPurged;
    private Counter bytesPurged;
    private Timer queueWait;
    private Timer runTime;
    private Timer claimLatency;
    private final Set<String> errorCodes = ConcurrentHashMap.newKeySet();

    @PostConstruct
    void init() {
        submitted = counter("aitbc.jobs.submitted", "Jobs accepted by POST /v1/jobs and /v1/jobs/batch");
        claims = counter("aitbc.jobs.claimed", "Jobs handed to a miner by a poll");
        completed = counter("aitbc.jobs.completed", "Jobs that ended completed");
        failed = counter("aitbc.jobs.failed", "Jobs that ended failed (miner failure, timeout, expiry, miner lost)");
        canceled = counter("aitbc.jobs.canceled", "Jobs that ended canceled");
        requeued = counter(
                "aitbc.jobs.requeued", "Jobs put back in the queue because their miner's lease ran out (lease lost)");
        bytesStored = counter("aitbc.results.bytes.stored", "Bytes of result packages sealed");
        resultsPurged = counter("aitbc.results.purged", "Result packages deleted (retention or on request)");
        retentionPurged = counter("aitbc.results.retention.purged", "Result packages deleted by the retention purge");
        bytesPurged = counter("aitbc.results.bytes.purged", "Bytes of result packages deleted");
        queueWait = timer("aitbc.jobs.queue.wait", "Time from submission to claim");
        runTime = timer("aitbc.jobs.run.time", "Time from start to the end of a job");
        claimLatency = timer("aitbc.jobs.claim.latency", "Time a poll spent finding and claiming the job it got");
        for (String code : new String[] {Job.ERR_MINER_FAILED, Job.ERR_MINER_LOST, Job.ERR_EXPIRED, Job.ERR_TIMEOUT}) {
            failures(code);
        }
    }

    /** Created at start-up, so that the counters show zero before the first job rather than nothing. */
    void atStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        submitted.getCount();
    }

    private Counter counter(String name, String description) {
        return registry.counter(
                Metadata.builder().withName(name).withDescription(description).build());
    }

    private Timer timer(String name, String description) {
        return registry.timer(
                Metadata.builder().withName(name).withDescription(description).build());
    }

    /**
     * {@code aitbc_jobs_failures_total{error_code}}. The coordinator's own codes and the first
     * {@value #MAX_ERROR_CODES} upper-case codes miners send get a series each; anything else is
     * {@code OTHER}, so that a miner inventing codes cannot grow the metric without bound.
     */
    private Counter failures(String code) {
        String label = errorCodeLabel(code, errorCodes);
        errorCodes.add(label);
        return registry.counter(
                Metadata.builder()
                        .withName("aitbc.jobs.failures")
                        .withDescription("Jobs that ended failed, by error code")
                        .build(),
                new Tag("error_code", label));
    }

    /** The label a failure code is counted under, given the labels already in use. */
    static String errorCodeLabel(String code, Set<String> seen) {
        String label = code != null && CODE.matcher(code).matches() ? code : "OTHER";
        return seen.contains(label) || seen.size() < MAX_ERROR_CODES ? label : "OTHER";
    }

    public void submitted(int n) {
        submitted.inc(n);
    }

    public void claimed(long waitedMs) {
        claims.inc();
        queueWait.update(Duration.ofMillis(Math.max(0, waitedMs)));
    }

    /** How long a successful claim took, from the poll's first look at the queue to the job it got. */
    public void claimTook(long nanos) {
        claimLatency.update(Duration.ofNanos(Math.max(0, nanos)));
    }

    /** A job whose miner's lease ran out went back to the queue. */
    public void requeued() {
        requeued.inc();
    }

    public void stored(long bytes) {
        bytesStored.inc(bytes);
    }

    public void purged(long bytes) {
        resultsPurged.inc();
        bytesPurged.inc(bytes);
    }

    /** A package the retention purge deleted (also counted by {@link #purged}). */
    public void retentionPurged() {
        retentionPurged.inc();
    }

    public void canceled() {
        canceled.inc();
    }

    /** Counts a job that just reached a final state. */
    public void ended(Job job) {
        switch (job.getState()) {
            case COMPLETED -> completed.inc();
            case FAILED -> {
                failed.inc();
                failures(job.getErrorCode()).inc();
            }
            case CANCELED -> canceled.inc();
            default -> {
                return;
            }
        }
        if (job.getStartedAt() != null && job.getEndedAt() != null) {
            runTime.update(Duration.ofMillis(Math.max(
                    0, job.getEndedAt().toEpochMilli() - job.getStartedAt().toEpochMilli())));
        }
    }
}
