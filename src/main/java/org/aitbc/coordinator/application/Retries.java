package org.aitbc.coordinator.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.Miner;
import org.aitbc.coordinator.domain.MinerOffer;
import org.aitbc.coordinator.domain.RetryBackoff;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * The retry policy for attempts that end by the miner's fault: which failures count as the
 * miner's, when the next attempt may be claimed (the back-off), and which miner may claim it.
 * Runs in the caller's transaction.
 *
 * <p>A miner whose attempt at a job ended by its fault is not handed that job again while
 * <em>another miner matches</em>: a miner with another id, that did not fail this job itself,
 * registered (it has a session), was seen (registration or heartbeat) within the last two lease
 * periods, and meets every requirement of the job (GPU type, count, memory, model, region, GPU
 * name, CUDA, price), whether or not it is busy now. Only when no such miner exists may the miner
 * that failed take the job again, so that a job some other miner can run waits for it rather than
 * returning to the one that failed, and a job only one miner can run is not stranded.
 */
@ApplicationScoped
public class Retries {
    @Inject
    CoordinatorConfig config;

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    /** True when a failure is the miner's fault: it says so, or its code is listed as retryable. */
    public boolean minerAtFault(String code, Boolean retryable) {
        if (retryable != null) {
            return retryable;
        }
        return code != null && config.retryErrorCodes().contains(code.trim().toUpperCase(Locale.ROOT));
    }

    /** When the attempt after {@code endedAttempt} may be claimed, counting the back-off from {@code from}. */
    public Instant notBefore(int endedAttempt, Instant from) {
        return from.plus(RetryBackoff.after(endedAttempt, config.retryBackoff(), config.retryBackoffMax()));
    }

    /** Whether {@code minerId} may claim the pending job now (back-off over; see the class comment). */
    public boolean mayClaim(Job job, String minerId, Instant now) {
        if (!job.isClaimable(now)) {
            return false;
        }
        if (job.getAttempt() <= 1) {
            return true;
        }
        Set<String> failed = job.faultedMiners();
        return !failed.contains(minerId) || !anotherMatches(job, failed, now);
    }

    private boolean anotherMatches(Job job, Set<String> failed, Instant now) {
        long since = now.toEpochMilli() - 2 * config.lease().toMillis();
        List<Miner> seen = em.createQuery(
                        "SELECT m FROM Miner m WHERE m.sessionNo IS NOT NULL AND m.lastSeenMs >= :since", Miner.class)
                .setParameter("since", since)
                .setMaxResults(2000)
                .getResultList();
        for (Miner m : seen) {
            if (!failed.contains(m.getId()) && meets(m, MinerOffers.of(m.getCapabilitiesJson()), job)) {
                return true;
            }
        }
        return false;
    }

    /** The claim query's rules (JobRepository.claimCandidates) for one miner and one job. */
    static boolean meets(Miner m, MinerOffer offer, Job j) {
        if (j.getGpuCount() > Math.max(1, m.getGpuCount()) || j.getMinVramGb() > m.getMaxVramGb()) {
            return false;
        }
        if (j.getGpuType() != null && !m.getGpuTypes().contains(j.getGpuType())) {
            return false;
        }
        if (!m.getModels().isEmpty() && j.getModel() != null && !m.getModels().contains(j.getModel())) {
            return false;
        }
        if (j.getRegion() != null && !j.getRegion().equals(m.getRegion())) {
            return false;
        }
        if (j.getGpuName() != null && !offer.gpuNames().contains(j.getGpuName())) {
            return false;
        }
        if (j.getMinCuda() != null && (offer.cuda() == null || offer.cuda() < j.getMinCuda())) {
            return false;
        }
        return j.getMaxPrice() == null
                || (offer.price() != null && offer.price().compareTo(j.getMaxPrice()) <= 0);
    }
}
