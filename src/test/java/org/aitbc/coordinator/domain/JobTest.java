package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The aggregate's rules: each use of the state machine, its events, deadlines and costs. */
class JobTest {
    private static final Instant T0 = Instant.parse("2026-02-13T10:00:00Z");

    static Job job(int timeout, int ttl) {
        Job.Spec spec = new Job.Spec("gpt2", "{}", "{}", "a100", 2, 16, null, Priority.HIGH, timeout, ttl, timeout);
        return Job.submit("job_test", "client_1", Plan.PRO, spec, new BigDecimal("0.10"), new BigDecimal("1.5"), T0);
    }

    private static List<String> statuses(Job j) {
        return j.drainEvents().stream()
                .map(e -> e.getType() + ":" + e.getStatus())
                .toList();
    }

    @Test
    void fullLifecycleRecordsOneEventPerChangeAndCostsWhatRan() {
        Job j = job(3600, 900);
        assertEquals(JobState.PENDING, j.getState());
        assertEquals(1, j.getAttempt());
        // estimate: 0.10 × 2 GPUs × 1 h × 1.5
        assertEquals(new BigDecimal("0.300000"), j.getEstimatedCost());
        j.assign("m1", T0.plusSeconds(10), T0.plusSeconds(70));
        j.start(T0.plusSeconds(20));
        assertFalse(j.reportProgress(50, "half", null, T0.plusSeconds(920)));
        // 900 s for 50 % → estimated completion 900 s later
        assertEquals(T0.plusSeconds(1820), j.getEstimatedCompletion());
        j.complete("{\"output\":\"x\"}", null, T0.plusSeconds(1820));
        assertEquals(JobState.COMPLETED, j.getState());
        assertEquals(100, j.getProgress());
        // ran 1800 s: 0.10 × 2 × 0.5 h × 1.5
        assertEquals(new BigDecimal("0.150000"), j.getCost());
        assertEquals(
                List.of("status:pending", "status:assigned", "status:running", "progress:running", "status:completed"),
                statuses(j));
    }

    @Test
    void resultWithoutStartGoesThroughRunningAndCostsNothing() {
        Job j = job(3600, 900);
        j.assign("m1", T0, T0.plusSeconds(60));
        j.complete("{}", null, T0.plusSeconds(30));
        assertEquals(List.of("status:pending", "status:assigned", "status:running", "status:completed"), statuses(j));
        assertEquals(0, j.getCost().signum());
    }

    @Test
    void cancelPendingOrAssignedEndsAtOnceForFree() {
        Job pending = job(60, 60);
        assertEquals(Job.CancelOutcome.CANCELED, pending.cancel(T0.plusSeconds(1)));
        assertEquals(JobState.CANCELED, pending.getState());
        assertEquals(0, pending.getCost().signum());

        Job assigned = job(60, 60);
        assigned.assign("m1", T0, T0.plusSeconds(60));
        assertEquals(Job.CancelOutcome.CANCELED, assigned.cancel(T0.plusSeconds(1)));
        assertNull(assigned.getLeaseExpiresAt());
    }

    @Test
    void cancelRunningWaitsForTheMinerAndChargesTheTimeUsed() {
        Job j = job(3600, 60);
        j.assign("m1", T0, T0.plusSeconds(60));
        j.start(T0);
        assertEquals(Job.CancelOutcome.CANCELING, j.cancel(T0.plusSeconds(100)));
        assertEquals(JobState.CANCELING, j.getState());
        assertEquals(Job.CancelOutcome.CANCELING, j.cancel(T0.plusSeconds(101)), "asking again is harmless");
        assertTrue(j.reportProgress(60, null, null, T0.plusSeconds(200)), "the miner is told to stop");
        j.fail("CANCELED", "stopped", T0.plusSeconds(360));
        assertEquals(JobState.CANCELED, j.getState());
        assertNull(j.getErrorCode(), "an acknowledged cancel is not a failure");
        // 360 s at 0.10 × 2 × 1.5 per hour
        assertEquals(new BigDecimal("0.030000"), j.getCost());
    }

    @Test
    void resultWhileCancelingKeepsPartialOutputAndEndsCanceled() {
        Job j = job(3600, 60);
        j.assign("m1", T0, T0.plusSeconds(60));
        j.start(T0);
        j.cancel(T0.plusSeconds(5));
        j.complete("{\"partial\":true}", null, T0.plusSeconds(6));
        assertEquals(JobState.CANCELED, j.getState());
        assertEquals("{\"partial\":true}", j.getResultJson());
    }

    @Test
    void finalJobsRefuseEveryChange() {
        Job j = job(60, 60);
        j.cancel(T0);
        assertThrows(IllegalTransitionException.class, () -> j.cancel(T0));
        assertThrows(IllegalTransitionException.class, () -> j.assign("m", T0, T0));
        assertThrows(IllegalTransitionException.class, () -> j.start(T0));
        assertThrows(IllegalTransitionException.class, () -> j.expireUnclaimed(T0));
    }

    @Test
    void lostLeaseRequeuesWithTheNextAttemptThenFailsMinerLost() {
        Job j = job(3600, 60);
        j.assign("m1", T0, T0.plusSeconds(60));
        assertFalse(j.isLeaseExpired(T0.plusSeconds(60)));
        assertTrue(j.isLeaseExpired(T0.plusSeconds(61)));
        j.leaseExpired(2, T0.plusSeconds(61));
        assertEquals(JobState.PENDING, j.getState());
        assertEquals(2, j.getAttempt());
        assertNull(j.getMinerId());
        j.assign("m2", T0.plusSeconds(70), T0.plusSeconds(130));
        j.start(T0.plusSeconds(70));
        j.leaseExpired(2, T0.plusSeconds(131));
        assertEquals(JobState.FAILED, j.getState());
        assertEquals(Job.ERR_MINER_LOST, j.getErrorCode());
    }

    @Test
    void leaseLostWhileCancelingEndsCanceled() {
        Job j = job(3600, 60);
        j.assign("m1", T0, T0.plusSeconds(60));
        j.start(T0);
        j.cancel(T0.plusSeconds(1));
        j.leaseExpired(3, T0.plusSeconds(61));
        assertEquals(JobState.CANCELED, j.getState());
    }

    @Test
    void deadlinesForClaimAndRun() {
        Job j = job(100, 30);
        assertFalse(j.isUnclaimedTooLong(T0.plusSeconds(30)));
        assertTrue(j.isUnclaimedTooLong(T0.plusSeconds(31)));
        j.expireUnclaimed(T0.plusSeconds(31));
        assertEquals(Job.ERR_EXPIRED, j.getErrorCode());

        Job r = job(100, 30);
        r.assign("m1", T0, T0.plusSeconds(1000));
        r.start(T0.plusSeconds(10));
        assertFalse(r.isPastTimeout(T0.plusSeconds(110)));
        assertTrue(r.isPastTimeout(T0.plusSeconds(111)));
        r.timeOut(T0.plusSeconds(111));
        assertEquals(JobState.FAILED, r.getState());
        assertEquals(Job.ERR_TIMEOUT, r.getErrorCode());
    }
}
