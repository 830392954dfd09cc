package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.ejb.EJBException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.PersistenceException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Job;

/**
 * The client's writes that race with other writes (submit, cancel), as the API calls them: each
 * try is one {@link JobService} transaction, run again when it lost a lock or version race
 * ({@link RetryOnConflict}). Holds no transaction itself, which is what lets it retry one.
 */
@ApplicationScoped
@RetryOnConflict
public class JobCommands {
    @EJB
    JobService jobs;

    /**
     * Submits a job, or answers the job an earlier submission with the same Idempotency-Key
     * created. A submission that lost a lock race (on Derby, a lock wait timeout under load)
     * changed nothing and runs again, like every other write, instead of answering 503 at once.
     * Two submissions with one key may race too: both miss the key, both insert, and the loser's
     * transaction fails (on the unique key, or on a lock). Once it has rolled back, the winner's
     * job is visible, and it stands.
     */
    public JobService.Submitted submit(Caller caller, Job.Spec spec, String idempotencyKey, String requestHash) {
        return submit(caller, spec, idempotencyKey, requestHash, null);
    }

    /** As above, with a checked {@code callback_url} (or null) that becomes the job's one-job webhook. */
    public JobService.Submitted submit(
            Caller caller, Job.Spec spec, String idempotencyKey, String requestHash, String callbackUrl) {
        try {
            return jobs.submit(caller, spec, idempotencyKey, requestHash, callbackUrl);
        } catch (EJBException | PersistenceException e) {
            Job first = idempotencyKey == null ? null : jobs.findIdempotent(caller, idempotencyKey);
            if (first == null) {
                throw e;
            }
            if (!requestHash.equals(first.getRequestHash())) {
                throw new CoordinatorException(
                        Kind.INVALID,
                        "IDEMPOTENCY_MISMATCH",
                        "Idempotency-Key " + idempotencyKey + " was used before with a different request body");
            }
            return new JobService.Submitted(first, false);
        }
    }

    /** Retries a failed or canceled job as a new one; an Idempotency-Key race ends as for {@link #submit}. */
    public JobService.Submitted retry(Caller caller, String jobId, String idempotencyKey, String requestHash) {
        try {
            return jobs.retry(caller, jobId, idempotencyKey, requestHash);
        } catch (EJBException | PersistenceException e) {
            Job first = idempotencyKey == null ? null : jobs.findIdempotent(caller, idempotencyKey);
            if (first == null || !requestHash.equals(first.getRequestHash())) {
                throw e;
            }
            return new JobService.Submitted(first, false);
        }
    }

    public JobService.Canceled cancel(Caller caller, String jobId) {
        return jobs.cancel(caller, jobId);
    }
}
