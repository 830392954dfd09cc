package org.aitbc.coordinator.infrastructure.observability;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.Initialized;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.aitbc.coordinator.domain.Job;
import org.eclipse.microprofile.metrics.Counter;
import org.eclipse.microprofile.metrics.Histogram;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;

/**
 * The counters and histograms operators read at {@code /metrics} (application scope):
 * submissions, claims, completions, failures, cancels, queue wait and run time.
 * Jobs by state is a gauge of its own ({@link JobStateGauges}).
 */
@ApplicationScoped
public class Metrics {
    @Inject
    MetricRegistry registry;

    private Counter submitted;
    private Counter claims;
    private Counter completed;
    private Counter failed;
    private Counter canceled;
    private Counter bytesStored;
    private Counter resultsPurged;
    private Counter bytesPurged;
    private Histogram queueWait;
    private Histogram runTime;

    @PostConstruct
    void init() {
        submitted = counter("aitbc.jobs.submitted", "Jobs accepted by POST /v1/jobs and /v1/jobs/batch");
        claims = counter("aitbc.jobs.claimed", "Jobs handed to a miner by a poll");
        completed = counter("aitbc.jobs.completed", "Jobs that ended completed");
        failed = counter("aitbc.jobs.failed", "Jobs that ended failed (miner failure, timeout, expiry, miner lost)");
        canceled = counter("aitbc.jobs.canceled", "Jobs that ended canceled");
        bytesStored = counter("aitbc.results.bytes.stored", "Bytes of result packages sealed");
        resultsPurged = counter("aitbc.results.purged", "Result packages deleted (retention or on request)");
        bytesPurged = counter("aitbc.results.bytes.purged", "Bytes of result packages deleted");
        queueWait = registry.histogram(Metadata.builder()
                .withName("aitbc.jobs.queue.wait")
                .withDescription("Time from submission to claim")
                .withUnit("milliseconds")
                .build());
        runTime = registry.histogram(Metadata.builder()
                .withName("aitbc.jobs.run.time")
                .withDescription("Time from start to the end of a job")
                .withUnit("milliseconds")
                .build());
    }

    /** Created at start-up, so that the counters show zero before the first job rather than nothing. */
    void atStartup(@Observes @Initialized(ApplicationScoped.class) Object ignored) {
        submitted.getCount();
    }

    private Counter counter(String name, String description) {
        return registry.counter(
                Metadata.builder().withName(name).withDescription(description).build());
    }

    public void submitted(int n) {
        submitted.inc(n);
    }

    public void claimed(long waitedMs) {
        claims.inc();
        queueWait.update(Math.max(0, waitedMs));
    }

    public void stored(long bytes) {
        bytesStored.inc(bytes);
    }

    public void purged(long bytes) {
        resultsPurged.inc();
        bytesPurged.inc(bytes);
    }

    public void canceled() {
        canceled.inc();
    }

    /** Counts a job that just reached a final state. */
    public void ended(Job job) {
        switch (job.getState()) {
            case COMPLETED -> completed.inc();
            case FAILED -> failed.inc();
            case CANCELED -> canceled.inc();
            default -> {
                return;
            }
        }
        if (job.getStartedAt() != null && job.getEndedAt() != null) {
            runTime.update(job.getEndedAt().toEpochMilli() - job.getStartedAt().toEpochMilli());
        }
    }
}
