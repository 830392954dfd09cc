package org.aitbc.coordinator.domain;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether one miner can take one job, requirement by requirement: the rules of the claim query
 * ({@code JobRepository.claimCandidates}) spelled out in Java, so that a quote can say which
 * requirement rules a miner out. Each requirement is named as the request names it
 * ({@code min_vram_gb}, {@code gpu_count}, {@code gpu_type}, {@code gpu}, {@code model},
 * {@code region}, {@code cuda}, {@code max_price}). A miner that did not say what a job asks for
 * (no CUDA version, no price, no GPU names) cannot be shown to meet it, as in the claim.
 */
public final class MinerFit {
    public static final String MIN_VRAM_GB = "min_vram_gb";
    public static final String GPU_COUNT = "gpu_count";
    public static final String GPU_TYPE = "gpu_type";
    public static final String GPU = "gpu";
    public static final String MODEL = "model";
    public static final String REGION = "region";
    public static final String CUDA = "cuda";
    public static final String MAX_PRICE = "max_price";

    private MinerFit() {}

    /** The requirements the job sets, in the order a quote reports them. */
    public static List<String> requirements(Job job) {
        List<String> out = new ArrayList<>();
        if (job.getMinVramGb() > 0) {
            out.add(MIN_VRAM_GB);
        }
        if (job.getGpuCount() > 1) {
            out.add(GPU_COUNT);
        }
        if (job.getGpuType() != null) {
            out.add(GPU_TYPE);
        }
        if (job.getGpuName() != null) {
            out.add(GPU);
        }
        if (job.getModel() != null) {
            out.add(MODEL);
        }
        if (job.getRegion() != null) {
            out.add(REGION);
        }
        if (job.getMinCuda() != null) {
            out.add(CUDA);
        }
        if (job.getMaxPrice() != null) {
            out.add(MAX_PRICE);
        }
        return out;
    }

    /** Whether {@code miner} (with what it offers beyond its columns) meets {@code requirement} of {@code job}. */
    public static boolean meets(String requirement, Job job, Miner miner, MinerOffer offer) {
        return switch (requirement) {
            case MIN_VRAM_GB -> job.getMinVramGb() <= miner.getMaxVramGb();
            case GPU_COUNT -> job.getGpuCount() <= Math.max(1, miner.getGpuCount());
            case GPU_TYPE -> job.getGpuType() == null || miner.getGpuTypes().contains(job.getGpuType());
            case GPU -> job.getGpuName() == null || offer.gpuNames().contains(job.getGpuName());
            case MODEL ->
                job.getModel() == null
                        || miner.getModels().isEmpty()
                        || miner.getModels().contains(job.getModel());
            case REGION -> job.getRegion() == null || job.getRegion().equals(miner.getRegion());
            case CUDA -> job.getMinCuda() == null || (offer.cuda() != null && offer.cuda() >= job.getMinCuda());
            case MAX_PRICE ->
                job.getMaxPrice() == null
                        || (offer.price() != null && offer.price().compareTo(job.getMaxPrice()) <= 0);
            default -> throw new IllegalArgumentException("no requirement " + requirement);
        };
    }

    /** The first requirement of the job the miner does not meet, or null when it can take the job. */
    public static String firstUnmet(Job job, Miner miner, MinerOffer offer) {
        for (String r : requirements(job)) {
            if (!meets(r, job, miner, offer)) {
                return r;
            }
        }
        return null;
    }
}
