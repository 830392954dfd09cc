package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.ejb.EJBException;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Account;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Miner;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.Metrics;
import org.aitbc.coordinator.infrastructure.persistence.JobLeases;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.infrastructure.persistence.TransientFailures;
import org.aitbc.coordinator.infrastructure.security.Ids;
import org.aitbc.coordinator.infrastructure.security.LogText;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * The miner protocol (spec §4). Every write a miner makes about a job is fenced: it must name a
 * job this miner holds under a live lease (and, when the miner sends them, the current attempt
 * and the current session); otherwise the answer is 409 {@code LEASE_LOST} and nothing changes.
 *
 * <p>A registration starts a new session of the miner (see {@link Miner}): miners register when
 * their process starts, so the jobs the previous session still held belong to a process that is
 * gone. They are requeued at once, each counting as an attempt ({@code MINER_LOST} after the
 * last), instead of waiting for their leases to run out; the old session's late writes are 409
 * {@code LEASE_LOST}, whether they name its token (refused by {@link JobClaimer#minerFor}) or the
 * job (no longer held by it).
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

    @Inject
    MinerSession session;

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    org.aitbc.coordinator.infrastructure.persistence.InputFileRepository inputFiles;

    @Inject
    Retries retries;

    @Inject
    org.aitbc.coordinator.infrastructure.persistence.Spending spending;

    /** What a miner says it has, normalised for matching. */
    public record Profile(
            String capabilitiesJson,
            List<String> gpuTypes,
            int gpuCount,
            int maxVramGb,
            List<String> models,
            String region,
            int concurrency) {}

    /** What else a registration carried: the normalised GPU names, and unread top-level fields (JSON). */
    public record Details(List<String> gpuNames, String extraJson) {}

    /** A registration's outcome: the miner and the token of its new session (shown once). */
    public record Registration(Miner miner, String sessionToken, List<String> requeuedJobIds) {}

    public Miner register(Caller caller, String minerId, Profile profile) {
        return register(caller, minerId, profile, new Details(List.of(), null)).miner();
    }

    /**
     * Registers (or describes again) the miner and starts its new session; {@code minerId} null
     * means the id the call names by default (see {@link JobClaimer#minerFor}).
     */
    public Registration register(Caller caller, String minerId, Profile profile, Details details) {
        Instant now = JobService.now();
        Miner miner = claimer.bind(caller, minerId);
        String token = Ids.random("ms_", 32);
        int sessionNo = miner.startSession(Ids.sha256Hex(token), now);
        miner.describeMore(details.gpuNames(), details.extraJson());
        List<String> requeued = endSession(miner.getId(), sessionNo, now);
        describe(miner, profile);
        LOG.info(() -> "miner " + LogText.of(miner.getId()) + " registered (session " + sessionNo + "): gpus "
                + profile.gpuTypes() + " x" + profile.gpuCount() + ", models " + LogText.of(profile.models())
                + ", region " + LogText.of(profile.region())
                + (requeued.isEmpty() ? "" : "; requeued the previous session's jobs " + requeued));
        return new Registration(miner, token, requeued);
    }

    /** Requeues (or ends) the jobs the miner's earlier sessions still hold. */
    private List<String> endSession(String minerId, int sessionNo, Instant now) {
        List<String> ended = new ArrayList<>();
        for (String id : leases.heldBy(minerId)) {
            Job job = jobs.lock(id);
            if (job == null || !job.getState().isLeased() || !minerId.equals(job.getMinerId())) {
                continue;
            }
            if (job.getLeaseSession() != null && job.getLeaseSession() == sessionNo) {
                continue;
            }
            job.sessionEnded(config.maxAttempts(), now);
            jobs.saveEvents(job);
            if (job.getState().isFinal()) {
                metrics.ended(job);
                results.seal(job);
            }
            ended.add(id);
        }
        return ended;
    }

    private void describe(Miner miner, Profile profile) {
        miner.describe(
                profile.capabilitiesJson(),
                profile.gpuTypes(),
                profile.gpuCount(),
                profile.maxVramGb(),
                profile.models(),
                profile.region(),
                profile.concurrency(),
                JobService.now());
    }

    /** Renews the leases of the miner's jobs and tells it which of them to stop. */
    public List<String> heartbeat(Caller caller, String minerId, String status) {
        return heartbeat(caller, minerId, status, null, null);
    }

    /** As {@link #heartbeat(Caller, String, String)}, keeping what the miner reports as its latest telemetry. */
    public List<String> heartbeat(
            Caller caller, String minerId, String status, Integer inflight, String telemetryJson) {
        Instant now = JobService.now();
        Miner miner = own(caller, minerId);
        miner.heartbeat(status, inflight, telemetryJson, now);
        // A job whose max_cost is reached is stopped here, and so is in the answer below.
        for (String id : spending.cappedRunningOf(miner.getId())) {
            Job job = jobs.lock(id);
            if (job != null && job.enforceMaxCost(now)) {
                jobs.saveEvents(job);
            }
        }
        leases.renewLeases(miner.getId(), now.plus(config.lease()).toEpochMilli());
        return leases.cancelingJobsOf(miner.getId());
    }

    /**
     * Tries to claim the best matching pending job once, without waiting. Runs outside a
     * transaction: each candidate is claimed in its own, so a lost race costs nothing.
     */
    @TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
    public Job tryClaim(Caller caller, String minerId) {
        long started = System.nanoTime();
        Miner miner = claimer.minerFor(caller, minerId);
        minerId = miner.getId();
        if (leases.countLeasedBy(minerId) >= miner.getConcurrency()) {
            return null;
        }
        for (String candidate : jobs.claimCandidates(miner, MinerOffers.of(miner.getCapabilitiesJson()), 16)) {
            // Only a hint, to keep this server's pollers from queueing on one row's lock: the
            // database's conditional update decides, on this server and across servers.
            if (!CLAIMING.add(candidate)) {
                continue;
            }
            Job job;
            try {
                job = claimer.claim(candidate, minerId, miner.getSessionNo());
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
                metrics.claimTook(System.nanoTime() - started);
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
        LOG.info(() -> "job " + jobId + " " + job.getState().wire() + " by miner " + LogText.of(job.getMinerId()));
        return job;
    }

    public Job fail(Caller caller, String minerId, String jobId, Integer attempt, String code, String message) {
        return fail(caller, minerId, jobId, attempt, code, message, null);
    }

    /**
     * The miner gave up. {@code retryable} (null: not said) or a listed error code makes it the
     * miner's fault: the job goes back to the queue for another attempt after the back-off
     * ({@link Retries}), unbilled, while attempts remain.
     */
    public Job fail(
            Caller caller,
            String minerId,
            String jobId,
            Integer attempt,
            String code,
            String message,
            Boolean retryable) {
        Job job = leased(caller, minerId, jobId, attempt);
        Instant now = JobService.now();
        job.fail(
                code,
                message,
                retries.minerAtFault(code, retryable),
                config.maxAttempts(),
                retries.notBefore(job.getAttempt(), now),
                now);
        if (!job.getState().isFinal()) {
            // Not counted as aitbc_jobs_requeued_total: that counter (and its alert) means lost leases.
            jobs.saveEvents(job);
            LOG.info(() -> "job " + jobId + " requeued for attempt " + job.getAttempt() + " after miner "
                    + LogText.of(minerId) + " failed it: " + LogText.of(code));
            return job;
        }
        results.seal(job);
        jobs.saveEvents(job);
        metrics.ended(job);
        LOG.info(() -> "job " + jobId + " " + job.getState().wire() + " by miner " + LogText.of(job.getMinerId()) + ": "
                + LogText.of(code));
        return job;
    }

    /** A miner for the admin view, with how many jobs it holds now. */
    public record Overview(Miner miner, long heldJobs) {}

    /** Miners by id, for admins; at most {@code max}, starting after {@code afterId} (null: from the first). */
    public List<Overview> list(String afterId, int max) {
        // Two queries rather than ":after IS NULL OR ...": Derby refuses an untyped parameter (or
        // NULL) as an operand of IS NULL.
        var query = afterId == null
                ? em.createQuery("SELECT m FROM Miner m ORDER BY m.id", Miner.class)
                : em.createQuery("SELECT m FROM Miner m WHERE m.id > :after ORDER BY m.id", Miner.class)
                        .setParameter("after", afterId);
        return query.setMaxResults(max).getResultList().stream()
                .map(m -> new Overview(m, leases.countLeasedBy(m.getId())))
                .toList();
    }

    /** One miner, for admins; 404 {@code MINER_NOT_FOUND} when no one registered or bound it. */
    public Overview find(String minerId) {
        Miner miner = em.find(Miner.class, minerId);
        if (miner == null) {
            throw minerNotFound(minerId);
        }
        return new Overview(miner, leases.countLeasedBy(minerId));
    }

    /**
     * Binds a miner id to a miner account before it ever registers (an admin's reservation), so
     * that no other account can take it first. Binding again to the same account is harmless;
     * an id already bound to another account is 409 {@code MINER_ID_TAKEN}.
     */
    public Overview bind(String minerId, String accountId) {
        Account account = em.find(Account.class, accountId);
        if (account == null || account.getRole() != Role.MINER) {
            throw CoordinatorException.validation(
                    List.of(new CoordinatorException.FieldProblem("account_id", "must be the id of a miner account")));
        }
        Miner miner = em.find(Miner.class, minerId);
        if (miner == null) {
            miner = new Miner(minerId, accountId, JobService.now());
            em.persist(miner);
            LOG.info(() -> "miner id " + LogText.of(minerId) + " bound to account " + accountId);
        } else if (!miner.getAccountId().equals(accountId)) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "MINER_ID_TAKEN",
                    "miner id " + minerId + " is already bound to account " + miner.getAccountId());
        }
        return new Overview(miner, leases.countLeasedBy(minerId));
    }

    private static CoordinatorException minerNotFound(String minerId) {
        return new CoordinatorException(Kind.NOT_FOUND, "MINER_NOT_FOUND", "no miner " + minerId);
    }

    /** The job's uploaded input file, if this miner holds the job; 404 FILE_NOT_FOUND when it has none. */
    public org.aitbc.coordinator.domain.InputFile inputOf(
            Caller caller, String minerId, String jobId, Integer attempt) {
        Job job = leased(caller, minerId, jobId, attempt);
        org.aitbc.coordinator.domain.InputFile f =
                job.getInputFileId() == null ? null : inputFiles.find(job.getInputFileId());
        if (f == null) {
            throw new CoordinatorException(Kind.NOT_FOUND, "FILE_NOT_FOUND", "job " + jobId + " has no input file");
        }
        return f;
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
        String holder = leased(caller, minerId, jobId, attempt).getMinerId();
        try {
            store.commit(jobId, staged.stagingId(), path);
        } catch (ResultStore.PathConflictException e) {
            throw new CoordinatorException(Kind.CONFLICT, "PATH_CONFLICT", e.getMessage());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot store " + path + " of job " + jobId, e);
        }
        results.record(jobId, path, staged);
        LOG.info(() -> "job " + jobId + ": miner " + LogText.of(holder) + " stored " + LogText.of(path) + " ("
                + staged.sizeBytes() + " bytes)");
        return staged;
    }

    /** The job, locked, if this miner still holds it under a live lease for this attempt. */
    private Job leased(Caller caller, String named, String jobId, Integer attempt) {
        Miner miner = own(caller, named);
        String minerId = miner.getId();
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
        if (session.token() != null
                && job.getLeaseSession() != null
                && !job.getLeaseSession().equals(miner.getSessionNo())) {
            throw leaseLost(jobId, "an earlier session of miner " + minerId + " claimed it");
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
