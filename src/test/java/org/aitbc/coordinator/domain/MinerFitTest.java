package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A quote's matching: the claim's rules, requirement by requirement. */
class MinerFitTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    static Job job(String gpuType, int vram, String region, Job.Matching m) {
        Job.Spec spec =
                new Job.Spec("gpt2", "{}", "{}", gpuType, 1, vram, region, Priority.NORMAL, 60, 60, 60, m, null, null);
        return Job.submit("job_fit", "client_1", Plan.PRO, spec, new BigDecimal("0.10"), BigDecimal.ONE, T0);
    }

    static Miner miner(List<String> types, int vram, String region) {
        Miner m = new Miner("m", "acct", T0);
        m.describe("{}", types, 1, vram, List.of(), region, 1, T0);
        return m;
    }

    @Test
    void vramIsTheRequirementThatRulesOutSmallerMiners() {
        Job j = job(null, 80, null, Job.Matching.NONE);
        assertEquals(MinerFit.MIN_VRAM_GB, MinerFit.firstUnmet(j, miner(List.of(), 24, null), MinerOffer.NONE));
        assertNull(MinerFit.firstUnmet(j, miner(List.of(), 80, null), MinerOffer.NONE));
    }

    @Test
    void typeRegionCudaAndPriceFollowTheClaimQuery() {
        Job typed = job("a100", 0, "eu", new Job.Matching(null, 12_004_000, new BigDecimal("0.5")));
        MinerOffer good = new MinerOffer(List.of("a100"), 12_004_000, new BigDecimal("0.4"));
        assertNull(MinerFit.firstUnmet(typed, miner(List.of("a100"), 40, "eu"), good));
        assertEquals(MinerFit.GPU_TYPE, MinerFit.firstUnmet(typed, miner(List.of("v100"), 40, "eu"), good));
        assertEquals(MinerFit.REGION, MinerFit.firstUnmet(typed, miner(List.of("a100"), 40, null), good));
        assertEquals(
                MinerFit.CUDA,
                MinerFit.firstUnmet(
                        typed, miner(List.of("a100"), 40, "eu"), new MinerOffer(List.of(), null, BigDecimal.ZERO)));
        assertEquals(
                MinerFit.MAX_PRICE,
                MinerFit.firstUnmet(
                        typed,
                        miner(List.of("a100"), 40, "eu"),
                        new MinerOffer(List.of(), 12_004_000, BigDecimal.ONE)));
    }
}
