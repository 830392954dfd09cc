package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import org.aitbc.coordinator.domain.InputFile;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.Miner;
import org.aitbc.coordinator.domain.MinerFit;
import org.aitbc.coordinator.domain.MinerOffer;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.InputFileRepository;
import org.aitbc.coordinator.infrastructure.persistence.QuoteQueries;
import org.aitbc.coordinator.wire.QuoteAnswer;

/**
 * Quotes ({@code POST /v1/jobs/quote}): what a submission would cost and whether, and how soon, a
 * miner would take it, with nothing written. The job is priced as a submission prices it
 * ({@link JobService#draft}); every registered miner is matched against it requirement by
 * requirement ({@link MinerFit}, the claim's rules), online meaning seen within one lease, as the
 * {@code aitbc_miners_online} gauge counts. The expected queue wait is the median claim wait of
 * recent similar jobs: the newest {@value #WAIT_SAMPLES} submitted in the last
 * {@value #WAIT_WINDOW_HOURS} hours with the same priority and the same GPU type or name, that
 * a miner claimed.
 */
@Stateless
public class QuoteService {
    static final int WAIT_SAMPLES = 100;
    static final int WAIT_WINDOW_HOURS = 24;

    @EJB
    JobService jobService;

    @Inject
    QuoteQueries queries;

    @Inject
    InputFileRepository inputFiles;

    @Inject
    CoordinatorConfig config;

    public QuoteAnswer quote(Caller caller, Job.Spec spec) {
        if (spec.inputFileId() != null) {
            // As a submission would: another client's, a missing or an expired file is not found.
            InputFile f = inputFiles.find(spec.inputFileId());
            if (f == null || !f.getClientId().equals(caller.accountId()) || f.isExpiredUnused(JobService.now())) {
                throw InputFileService.notFound(spec.inputFileId());
            }
        }
        Job job = jobService.draft(caller, spec);
        long now = System.currentTimeMillis();
        long onlineSince = now - config.lease().toMillis();
        List<Fit> fits = new ArrayList<>();
        for (Miner m : queries.registeredMiners()) {
            MinerOffer offer = MinerOffers.of(m.getCapabilitiesJson());
            fits.add(new Fit(
                    m,
                    offer,
                    m.getLastSeenAt().toEpochMilli() >= onlineSince,
                    MinerFit.firstUnmet(job, m, offer) == null));
        }
        long matching = fits.stream().filter(Fit::matches).count();
        long matchingOnline =
                fits.stream().filter(f -> f.matches() && f.online()).count();
        long online = fits.stream().filter(Fit::online).count();
        List<QuoteAnswer.RuledOut> ruledOut = matchingOnline > 0 ? List.of() : ruledOut(job, fits, matching);
        QuoteAnswer.QueueWait wait = queueWait(job, matchingOnline, now);
        return new QuoteAnswer(
                job.getEstimatedCost(),
                job.getEstimatedSeconds(),
                matching,
                matchingOnline,
                fits.size(),
                online,
                wait.seconds(),
                wait,
                ruledOut);
    }

    private record Fit(Miner miner, MinerOffer offer, boolean online, boolean matches) {}

    /**
     * The requirements that rule the online miners out. A requirement is named when some online
     * miners meet every other requirement and none of them meets this one: it alone stands between
     * them and the job, and its message is about those miners. When every online miner fails two
     * or more requirements, the requirements no online miner meets at all are named instead.
     */
    private static List<QuoteAnswer.RuledOut> ruledOut(Job job, List<Fit> fits, long matchingRegistered) {
        List<Fit> pool = fits.stream().filter(Fit::online).toList();
        List<QuoteAnswer.RuledOut> out = new ArrayList<>();
        if (pool.isEmpty()) {
            out.add(new QuoteAnswer.RuledOut(
                    "miners",
                    "no miner is online now (" + fits.size() + " registered, " + matchingRegistered
                            + " of them match this job)"));
            return out;
        }
        List<String> requirements = MinerFit.requirements(job);
        for (String r : requirements) {
            List<Fit> others = pool.stream()
                    .filter(f -> requirements.stream()
                            .filter(o -> !o.equals(r))
                            .allMatch(o -> MinerFit.meets(o, job, f.miner(), f.offer())))
                    .toList();
            if (!others.isEmpty() && others.size() < pool.size()) {
                out.add(new QuoteAnswer.RuledOut(
                        r,
                        why(r, job, others)
                                .replaceFirst(
                                        "^no online miner",
                                        "of the " + others.size() + " online miner(s) that meet every other"
                                                + " requirement, none")));
            } else if (!others.isEmpty()) {
                out.add(new QuoteAnswer.RuledOut(r, why(r, job, others)));
            }
        }
        if (out.isEmpty()) {
            for (String r : requirements) {
                if (pool.stream().noneMatch(f -> MinerFit.meets(r, job, f.miner(), f.offer()))) {
                    out.add(new QuoteAnswer.RuledOut(r, why(r, job, pool)));
                }
            }
        }
        if (out.isEmpty()) {
            out.add(new QuoteAnswer.RuledOut(
                    "requirements",
                    "each of " + String.join(", ", requirements) + " is met by some online miner, "
                            + "but no online miner meets all of them"));
        }
        return out;
    }

    private static String why(String r, Job job, List<Fit> pool) {
        return switch (r) {
            case MinerFit.MIN_VRAM_GB ->
                "no online miner has min_vram_gb ≥ " + job.getMinVramGb() + "; the largest has "
                        + pool.stream()
                                .mapToInt(f -> f.miner().getMaxVramGb())
                                .max()
                                .orElse(0);
            case MinerFit.GPU_COUNT ->
                "no online miner has gpu_count ≥ " + job.getGpuCount() + "; the most is "
                        + pool.stream()
                                .mapToInt(f -> f.miner().getGpuCount())
                                .max()
                                .orElse(0);
            case MinerFit.GPU_TYPE ->
                "no online miner has gpu_type " + job.getGpuType() + "; they have: "
                        + listed(pool.stream()
                                .flatMap(f -> java.util.stream.Stream.concat(
                                        f.miner().getGpuTypes().stream(), f.offer().gpuNames().stream())));
            case MinerFit.GPU ->
                "no online miner has the GPU " + job.getGpuName() + "; they have: "
                        + listed(pool.stream().flatMap(f -> f.offer().gpuNames().stream()));
            case MinerFit.MODEL ->
                "no online miner serves model " + job.getModel() + "; they serve: "
                        + listed(pool.stream().flatMap(f -> f.miner().getModels().stream()));
            case MinerFit.REGION ->
                "no online miner is in region " + job.getRegion() + "; their regions: "
                        + listed(pool.stream().map(f -> f.miner().getRegion()));
            case MinerFit.CUDA ->
                "no online miner has cuda ≥ " + version(job.getMinCuda()) + "; the highest is "
                        + pool.stream()
                                .map(f -> f.offer().cuda())
                                .filter(Objects::nonNull)
                                .max(Comparator.naturalOrder())
                                .map(QuoteService::version)
                                .orElse("not stated by any");
            case MinerFit.MAX_PRICE ->
                "no online miner asks at most max_price " + job.getMaxPrice().toPlainString()
                        + "; the lowest asks "
                        + pool.stream()
                                .map(f -> f.offer().price())
                                .filter(Objects::nonNull)
                                .min(Comparator.naturalOrder())
                                .map(BigDecimal::toPlainString)
                                .orElse("(no online miner states a price)");
            default -> "no online miner meets " + r;
        };
    }

    private static String listed(java.util.stream.Stream<String> values) {
        TreeSet<String> set = new TreeSet<>();
        values.filter(v -> v != null && !v.isEmpty()).forEach(set::add);
        return set.isEmpty() ? "none stated" : String.join(", ", set);
    }

    /** A {@link org.aitbc.coordinator.domain.CudaVersion#rank} written back as a version: 12.4. */
    private static String version(int rank) {
        int major = rank / 1_000_000;
        int minor = rank / 1000 % 1000;
        int patch = rank % 1000;
        return major + "." + minor + (patch == 0 ? "" : "." + patch);
    }

    private QuoteAnswer.QueueWait queueWait(Job job, long matchingOnline, long now) {
        String similar = "priority " + job.getPriority().wire()
                + (job.getGpuType() != null
                        ? " and gpu_type " + job.getGpuType()
                        : job.getGpuName() != null ? " and GPU " + job.getGpuName() : " and no GPU type or name");
        if (matchingOnline == 0) {
            return new QuoteAnswer.QueueWait(
                    null,
                    0,
                    "no online miner matches: the job would wait until one does, at most its ttl_seconds ("
                            + job.getTtlSeconds() + ")");
        }
        List<Long> waits = queries.claimWaits(
                job.getPriority().rank(),
                job.getGpuType(),
                job.getGpuName(),
                now - WAIT_WINDOW_HOURS * 3_600_000L,
                WAIT_SAMPLES);
        if (waits.isEmpty()) {
            return new QuoteAnswer.QueueWait(
                    null,
                    0,
                    "no job with " + similar + " was claimed among those submitted in the last " + WAIT_WINDOW_HOURS
                            + " hours");
        }
        List<Long> sorted = waits.stream().sorted().toList();
        long median = sorted.size() % 2 == 1
                ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        return new QuoteAnswer.QueueWait(
                Math.round(median / 1000.0),
                waits.size(),
                "median time from submission to claim of the " + waits.size() + " newest jobs with " + similar
                        + " submitted in the last " + WAIT_WINDOW_HOURS + " hours and claimed (at most "
                        + WAIT_SAMPLES + ")");
    }
}
