package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A miner's sessions, its GPU names as matching compares them, and what a new session does to a held job. */
class MinerSessionTest {
    private static final Instant T0 = Instant.parse("2026-02-13T10:00:00Z");

    @Test
    void gpuNamesAreNormalisedWithoutVendorWords() {
        assertEquals("rtx4060ti", Miner.normaliseGpuName("NVIDIA GeForce RTX 4060 Ti"));
        assertEquals("rtx4060ti", Miner.normaliseGpuName("rtx 4060ti"));
        assertEquals("rtx4090", Miner.normaliseGpuName("NVIDIA GeForce RTX 4090"));
        assertEquals("a100sxm480gb", Miner.normaliseGpuName("NVIDIA A100-SXM4-80GB"));
        assertEquals("", Miner.normaliseGpuName(null));
    }

    @Test
    void eachRegistrationStartsANewSessionAndOnlyTheLatestCounts() {
        Miner m = new Miner("m1", "acc_1", T0);
        assertFalse(m.isRegistered(), "bound or used, not registered");
        assertNull(m.getSessionNo());
        assertFalse(m.isCurrentSession("h1"));
        assertEquals(1, m.startSession("h1", T0));
        assertTrue(m.isRegistered());
        assertTrue(m.isCurrentSession("h1"));
        assertEquals(2, m.startSession("h2", T0.plusSeconds(5)));
        assertFalse(m.isCurrentSession("h1"), "the earlier session is over");
        assertTrue(m.isCurrentSession("h2"));
        assertEquals(T0.plusSeconds(5), m.getSessionStartedAt());
    }

    @Test
    void aNewSessionRequeuesAHeldJobAsAnAttemptThenFailsItMinerLost() {
        Job j = JobTest.job(3600, 900);
        j.assign("m1", 1, T0, T0.plusSeconds(60));
        assertEquals(1, j.getLeaseSession());
        j.start(T0.plusSeconds(1));
        j.sessionEnded(2, T0.plusSeconds(10));
        assertEquals(JobState.PENDING, j.getState());
        assertEquals(2, j.getAttempt());
        assertNull(j.getMinerId());
        assertNull(j.getLeaseSession());
        j.assign("m1", 2, T0.plusSeconds(20), T0.plusSeconds(80));
        j.sessionEnded(2, T0.plusSeconds(30));
        assertEquals(JobState.FAILED, j.getState());
        assertEquals(Job.ERR_MINER_LOST, j.getErrorCode());
        assertTrue(j.getErrorMessage().contains("registered again"), j.getErrorMessage());
    }

    @Test
    void aCancelingJobWhoseMinerRegisteredAgainIsCanceled() {
        Job j = JobTest.job(3600, 900);
        j.assign("m1", 1, T0, T0.plusSeconds(60));
        j.start(T0.plusSeconds(1));
        j.cancel(T0.plusSeconds(2));
        j.sessionEnded(3, T0.plusSeconds(3));
        assertEquals(JobState.CANCELED, j.getState());
    }
}
