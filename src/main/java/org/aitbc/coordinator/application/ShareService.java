package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.Share;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.infrastructure.security.Ids;

/**
 * Share links of a job's results: created by the job's client, listed (never with their tokens)
 * and revoked; a link's token opens the package without an API key until the link expires or is
 * revoked, and never after the results are gone. Only the token's hash is stored.
 */
@Stateless
public class ShareService {
    private static final Logger LOG = Logger.getLogger(ShareService.class.getName());

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    JobRepository jobs;

    @EJB
    JobService jobService;

    @EJB
    ResultService results;

    /** A new share and its token, in the clear for this one answer. */
    public record Shared(Share share, String token) {}

    public Shared share(Caller caller, String jobId, Duration validFor) {
        Job job = results.readable(caller, jobId);
        Instant now = Instant.now();
        Instant expires = now.plus(validFor);
        if (job.getResultExpiresAt() != null && expires.isAfter(job.getResultExpiresAt())) {
            expires = job.getResultExpiresAt();
        }
        String token = Ids.random("", 43);
        Share share = new Share(Ids.random("shr_", 16), jobId, Ids.sha256Hex(token), now, expires);
        em.persist(share);
        LOG.info(() -> "job " + jobId + " shared as " + share.getId() + " until " + share.getExpiresAt());
        return new Shared(share, token);
    }

    public List<Share> shares(Caller caller, String jobId) {
        jobService.get(caller, jobId);
        return em.createQuery("SELECT s FROM Share s WHERE s.jobId = :j ORDER BY s.createdMs", Share.class)
                .setParameter("j", jobId)
                .getResultList();
    }

    public Share revoke(Caller caller, String jobId, String shareId) {
        jobService.get(caller, jobId);
        Share s = em.find(Share.class, shareId);
        if (s == null || !s.getJobId().equals(jobId)) {
            throw new CoordinatorException(
                    Kind.NOT_FOUND, "SHARE_NOT_FOUND", "no share " + shareId + " of job " + jobId);
        }
        s.revoke(Instant.now());
        return s;
    }

    /** The job a share token opens: 404 for an unknown token, 410 once expired, revoked or gone. */
    public Job open(String token) {
        List<Share> found = em.createQuery("SELECT s FROM Share s WHERE s.tokenHash = :h", Share.class)
                .setParameter("h", Ids.sha256Hex(token))
                .getResultList();
        if (found.isEmpty()) {
            throw new CoordinatorException(Kind.NOT_FOUND, "SHARE_NOT_FOUND", "no such share link");
        }
        Share s = found.get(0);
        if (s.getRevokedAt() != null) {
            throw new CoordinatorException(
                    Kind.GONE, "SHARE_GONE", "this share link was revoked at " + s.getRevokedAt());
        }
        if (!s.isUsable(Instant.now())) {
            throw new CoordinatorException(Kind.GONE, "SHARE_GONE", "this share link expired at " + s.getExpiresAt());
        }
        return ResultService.readable(jobs.find(s.getJobId()));
    }
}
