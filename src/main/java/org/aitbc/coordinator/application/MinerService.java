package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.ejb.EJBException;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Miner;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.Metrics;
import org.aitbc.coordinator.infrastructure.persistence.JobLeases;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.infrastructure.persistence.TransientFailures;
import org.aitbc.coordinator.infrastructure.security.LogText;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * The miner protocol (spec §4). Every write a miner makes about a job is fenced: it must name a
 * job this miner holds under a live lease (and, when the miner sends it, the current attempt);
 * otherwise the answer is 409 {@code LEASE_LOST} and nothing changes.
 */
@Stateless
public class MinerService {
    private static final Logger LOG = Logger.getLogger(MinerService.class.getName());
    /** Jobs a poller on this server is claiming right now. */
    private static final Set<String> CLAIMING = ConcurrentHashMap.newKeySet();

    @Inject
    JobRepository jobs;

    @Inject
    JobLeases leases;

    @Inject
    CoordinatorConfig config;

    @Inject
    Metrics metrics;

    @EJB
    JobClaimer claimer;

    @EJB
    ResultService results;

    @Inject
    ResultStore store;

    /** What a miner says it has, normalised for matching. */
    public record Profile(
            String capabilitiesJson,
            List<String> gpuTypes,
            int gpuCount,
            int maxVramGb,
            List<String> models,
            String region,
            int concurrency) {}

    public Miner register(Caller caller, String minerId, Profile profile) {
        Miner miner = own(caller, minerId);
        miner.describe(
                profile.capabilitiesJson(),
                profile.gpuTypes(),
                profile.gpuCount(),
                profile.maxVramGb(),
                profile.models(),
                profile.region(),
                profile.concurrency(),
                JobService.now());
        LOG.info(() ->
                "miner " + LogText.of(minerId) + " registered: gpus " + profile.gpuTypes() + " x" + profile.gpuCount()
                        + ", models " + LogText.of(profile.models()) + ", region " + LogText.of(profile.region()));
        return miner;
    }

    /** Renews the leases of the miner's jobs and tells it which of them to stop. */
    public List<String> heartbeat(Caller caller, String minerId, String status) {
        Instant now = JobService.now();
        Miner miner = own(caller, minerId);
        miner.heartbeat(status, now);
        leases.renewLeases(minerId, now.plus(config.lease()).toEpochMilli());
        return leases.cancelingJobsOf(minerId);
    }

    /**
     * Tries to claim the best matching pending job once, without waiting. Runs outside a
     * transaction: each candidate is claimed in its own, so a lost race costs nothing.
     */
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public Job tryClaim(Caller caller, String minerId) {
        Miner miner = claimer.minerFor(caller, minerId);
        if (leases.countLeasedBy(minerId) >= miner.getConcurrency()) {
            return null;
        }
        for (String candidate : jobs.claimCandidates(miner, 16)) {
            // Only a hint, to keep this server's pollers from queueing on one row's lock: the
            // database's conditional update decides, on this server and across servers.
            if (!CLAIMING.add(candidate)) {
                continue;
            }
            Job job;
            try {
                job = claimer.claim(candidate, minerId);
            } catch (EJBException e) {
                if (!TransientFailures.isConflict(e)) {
                    throw e;
                }
                // Lost at commit to a concurrent transaction: try the next candidate.
                continue;
            } finally {
                CLAIMING.remove(candidate);
            }
            if (job != null) {
                metrics.claimed(job.getAssignedAt().toEpochMilli() - job.getCreatedMs());
                return job;
            }
        }
        return null;
    }

    public Job start(Caller caller, String minerId, String jobId, Integer attempt) {
        Job job = leased(caller, minerId, jobId, attempt);
        if (job.getState() == JobState.CANCELING) {
            throw leaseLost(jobId, "the client canceled the job");
        }
        job.start(JobService.now());
        jobs.saveEvents(job);
        return job;
    }

    /** Records progress; answers whether the client asked to cancel. */
    public boolean progress(
            Caller caller,
            String minerId,
            String jobId,
            Integer attempt,
            int percent,
            String message,
            Instant estimatedCompletion) {
        Instant now = JobService.now();
        Job job = leased(caller, minerId, jobId, attempt);
        boolean cancel = job.reportProgress(percent, message, estimatedCompletion, now);
        job.renewLease(now.plus(config.lease()));
        jobs.saveEvents(job);
        return cancel;
    }

    public Job complete(
            Caller caller, String minerId, String jobId, Integer attempt, String resultJson, String metricsJson) {
        Job job = leased(caller, minerId, jobId, attempt);
        job.complete(resultJson, metricsJson, JobService.now());
        // Seal first, save the events last: saving them adds the job to its client's DAILY_STATS row,
        // whose lock every ending of that client's jobs on that day takes until its commit. Taken
        // before the package was written, it serialized a client's completions over the file writes
        // as well (docs/BENCHMARKS.md).
        results.seal(job);
        jobs.saveEvents(job);
        metrics.ended(job);
        LOG.info(() -> "job " + jobId + " " + job.getState().wire() + " by miner " + LogText.of(minerId));
        return job;
    }

    public Job fail(Caller caller, String minerId, String jobId, Integer attempt, String code, String message) {
        Job job = leased(caller, minerId, jobId, attempt);
        job.fail(code, message, JobService.now());
        results.seal(job);
        jobs.saveEvents(job);
        metrics.ended(job);
        LOG.info(() -> "job " + jobId + " " + job.getState().wire() + " by miner " + LogText.of(minerId) + ": "
                + LogText.of(code));
        return job;
    }

    /** Refuses early, before a large upload is streamed, when the miner no longer holds the job. */
    public void checkLease(Caller caller, String minerId, String jobId, Integer attempt) {
        leased(caller, minerId, jobId, attempt);
    }

    /**
     * Puts an uploaded (staged) file in place as {@code path} of the job's results, if the miner
     * still holds the job; a canceling job's miner may still upload partial results.
     */
    public ResultStore.Written storeFile(
            Caller caller, String minerId, String jobId, Integer attempt, String path, ResultStore.Written staged) {
        leased(caller, minerId, jobId, attempt);
        try {
            store.commit(jobId, staged.stagingId(), path);
        } catch (ResultStore.PathConflictException e) {
            throw new CoordinatorException(Kind.CONFLICT, "PATH_CONFLICT", e.getMessage());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot store " + path + " of job " + jobId, e);
        }
        results.record(jobId, path, staged);
        LOG.info(() -> "job " + jobId + ": miner " + LogText.of(minerId) + " stored " + LogText.of(path) + " ("
                + staged.sizeBytes() + " bytes)");
        return staged;
    }

    /** The job, locked, if this miner still holds it under a live lease for this attempt. */
    private Job leased(Caller caller, String minerId, String jobId, Integer attempt) {
        own(caller, minerId);
        Job job = jobs.lock(jobId);
        if (job == null) {
            throw CoordinatorException.jobNotFound(jobId);
        }
        if (!minerId.equals(job.getMinerId()) || !job.getState().isLeased()) {
            throw leaseLost(
                    jobId,
                    job.getState().isFinal()
                            ? "the job is already " + job.getState().wire()
                            : "the job is not held by miner " + minerId);
        }
        if (attempt != null && attempt != job.getAttempt()) {
            throw leaseLost(jobId, "attempt " + attempt + " is over; the job is on attempt " + job.getAttempt());
        }
        if (job.isLeaseExpired(JobService.now())) {
            throw leaseLost(jobId, "the lease expired");
        }
        return job;
    }

    private static CoordinatorException leaseLost(String jobId, String why) {
        return new CoordinatorException(Kind.CONFLICT, "LEASE_LOST", "lease on job " + jobId + " lost: " + why);
    }

    private Miner own(Caller caller, String minerId) {
        return claimer.minerFor(caller, minerId);
    }
}
