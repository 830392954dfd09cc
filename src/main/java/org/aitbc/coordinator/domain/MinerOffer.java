package org.aitbc.coordinator.domain;

import java.math.BigDecimal;
import java.util.List;

/**
 * What a miner offers beyond its normalised columns, read from the capabilities it registered:
 * its GPUs' names ({@link GpuNames#normalise normalised}), its CUDA version
 * ({@link CudaVersion#rank}, null when it named none) and its advertised price (null when it
 * named none). A job asking for a GPU name, a minimum CUDA version or a highest price goes only
 * to a miner whose offer meets it; a miner that did not say cannot be shown to meet it.
 */
public record MinerOffer(List<String> gpuNames, Integer cuda, BigDecimal price) {
    public static final MinerOffer NONE = new MinerOffer(List.of(), null, null);
}
