package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Billing per attempt, automatic retries, max_cost and the client's retry, on the aggregate. */
class JobBillingTest {
    private static final Instant T0 = Instant.parse("2026-02-13T10:00:00Z");
    /** 0.10 per GPU-hour × 1 GPU × multiplier 1: 0.36 per hour is 0.0001 per second. */
    private static final BigDecimal RATE = new BigDecimal("0.36");

    private static Job job(BigDecimal maxCost) {
        Job.Spec spec = new Job.Spec("gpt2", "{}", "{}", "a100", 1, 0, null, Priority.NORMAL, 3600, 600, 60)
                .withMaxCost(maxCost);
        return Job.submit("job_b", "client_1", Plan.PRO, spec, RATE, BigDecimal.ONE, T0);
    }

    @Test
    void aRetryableFailureRequeuesAfterTheBackOffUnbilledAndTheNextAttemptPaysItsOwnRun() {
        Job j = job(null);
        j.assign("a", T0, T0.plusSeconds(60));
        j.start(T0);
        Instant failAt = T0.plusSeconds(100);
        j.fail("GPU_ERROR", "xid 79", true, 3, failAt.plusSeconds(5), failAt);
        assertEquals(JobState.PENDING, j.getState());
        assertEquals(2, j.getAttempt());
        assertEquals(failAt.plusSeconds(5), j.getNotBefore());
        assertFalse(j.isClaimable(failAt.plusSeconds(4)));
        assertTrue(j.isClaimable(failAt.plusSeconds(5)));
        assertEquals(Set.of("a"), j.faultedMiners());
        assertNull(j.getErrorCode(), "a requeued job carries no error");

        j.assign("b", T0.plusSeconds(110), T0.plusSeconds(170));
        j.start(T0.plusSeconds(110));
        j.complete("{}", null, T0.plusSeconds(140));
        // Only b's 30 s: 30 × 0.0001
        assertEquals(new BigDecimal("0.003000"), j.getCost());
        List<JobAttempt> attempts = j.getAttempts();
        assertEquals(2, attempts.size());
        JobAttempt first = attempts.get(0);
        assertEquals("a", first.getMinerId());
        assertEquals(JobAttempt.MINER_FAILED, first.getOutcome());
        assertEquals("GPU_ERROR", first.getErrorCode());
        assertFalse(first.isBillable());
        assertEquals(0, first.getBillableSeconds());
        assertEquals(0, first.getCost().signum());
        JobAttempt second = attempts.get(1);
        assertEquals("b", second.getMinerId());
        assertEquals("completed", second.getOutcome());
        assertTrue(second.isBillable());
        assertEquals(30, second.getBillableSeconds());
        assertEquals(j.getCost(), second.getCost(), "cost is the sum over the billable attempts");
    }

    @Test
    void aNonRetryableFailureEndsTheJobBilledForWhatRan() {
        Job j = job(null);
        j.assign("a", T0, T0.plusSeconds(60));
        j.start(T0);
        j.fail("BAD_INPUT", "cannot parse", false, 3, T0.plusSeconds(50), T0.plusSeconds(20));
        assertEquals(JobState.FAILED, j.getState());
        assertEquals("BAD_INPUT", j.getErrorCode());
        assertEquals(new BigDecimal("0.002000"), j.getCost());
    }

    @Test
    void theMinersFaultOnTheLastAttemptEndsTheJobUnbilled() {
        Job j = job(null);
        j.assign("a", T0, T0.plusSeconds(60));
        j.start(T0);
        j.fail("GPU_ERROR", null, true, 1, null, T0.plusSeconds(100));
        assertEquals(JobState.FAILED, j.getState());
        assertEquals(0, j.getCost().signum());

        Job lost = job(null);
        lost.assign("a", T0, T0.plusSeconds(60));
        lost.start(T0);
        lost.leaseExpired(2, T0.plusSeconds(30), T0.plusSeconds(61));
        assertEquals(JobState.PENDING, lost.getState());
        assertNull(lost.getNotBefore(), "a back-off counted from the last renewal that is already over: claimable now");
        assertTrue(lost.isClaimable(T0.plusSeconds(61)));
        assertEquals(JobAttempt.LEASE_LOST, lost.getAttempts().get(0).getOutcome());
        lost.assign("b", T0.plusSeconds(70), T0.plusSeconds(130));
        lost.start(T0.plusSeconds(70));
        lost.leaseExpired(2, T0.plusSeconds(131));
        assertEquals(Job.ERR_MINER_LOST, lost.getErrorCode());
        assertEquals(0, lost.getCost().signum(), "a miner that vanished is not paid for");
    }

    @Test
    void aClientsCancelIsBilledForTheTimeUsed() {
        Job j = job(null);
        j.assign("a", T0, T0.plusSeconds(60));
        j.start(T0);
        j.cancel(T0.plusSeconds(10));
        j.fail("GPU_ERROR", null, true, 3, null, T0.plusSeconds(40));
        assertEquals(JobState.CANCELED, j.getState(), "a canceling job's failure acknowledges the cancel");
        assertEquals(new BigDecimal("0.004000"), j.getCost());
    }

    @Test
    void reachingMaxCostStopsTheJobAndTheBillStaysWithinIt() {
        // 0.002 is 20 s of run time.
        Job j = job(new BigDecimal("0.002"));
        assertEquals(new BigDecimal("0.002000"), j.getMaxCost());
        j.assign("a", T0, T0.plusSeconds(60));
        j.start(T0);
        assertFalse(j.reportProgress(10, "early", null, T0.plusSeconds(19)));
        assertEquals(JobState.RUNNING, j.getState());
        assertFalse(j.isOverMaxCost(T0.plusSeconds(19)));
        assertTrue(j.isOverMaxCost(T0.plusSeconds(20)));
        assertTrue(j.reportProgress(30, "past the cap", null, T0.plusSeconds(21)), "the miner is told to stop");
        assertEquals(JobState.CANCELING, j.getState());
        assertEquals(Job.ERR_BUDGET_EXCEEDED, j.getErrorCode());
        assertFalse(j.enforceMaxCost(T0.plusSeconds(22)), "stopped once");
        // The miner acknowledges late, with partial results: billed max_cost, not 45 s.
        j.complete("{\"partial\":true}", null, T0.plusSeconds(45));
        assertEquals(JobState.CANCELED, j.getState());
        assertEquals(new BigDecimal("0.002000"), j.getCost());
        assertEquals(Job.ERR_BUDGET_EXCEEDED, j.getErrorCode());
        // Storage is charged only as far as max_cost leaves room: none here.
        j.chargeStorage(new BigDecimal("0.5"));
        assertEquals(new BigDecimal("0.002000"), j.getCost());
    }

    @Test
    void aJobUnderItsMaxCostPaysWhatRanAndStorageUpToTheCap() {
        Job j = job(new BigDecimal("0.01"));
        j.assign("a", T0, T0.plusSeconds(60));
        j.start(T0);
        j.complete("{}", null, T0.plusSeconds(30));
        assertEquals(new BigDecimal("0.003000"), j.getCost());
        j.chargeStorage(new BigDecimal("1"));
        assertEquals(new BigDecimal("0.010000"), j.getCost());
        assertEquals(new BigDecimal("0.007000"), j.getStorageCost());
    }

    @Test
    void aClientsRetryLinksBothJobsAndRepeatsTheSpec() {
        Job j = job(new BigDecimal("0.05"));
        j.cancel(T0.plusSeconds(1));
        Job next = Job.submit("job_c", "client_1", Plan.PRO, j.spec(), RATE, BigDecimal.ONE, T0.plusSeconds(2));
        j.retriedAs(next, T0.plusSeconds(2));
        assertEquals("job_c", j.getRetriedBy());
        assertEquals("job_b", next.getRetryOf());
        assertEquals(j.getModel(), next.getModel());
        assertEquals(j.getMaxCost(), next.getMaxCost());
        assertEquals(j.getTimeoutSeconds(), next.getTimeoutSeconds());
        assertEquals(JobState.PENDING, next.getState());
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalTransitionException.class, () -> j.retriedAs(next, T0.plusSeconds(3)), "retried once");
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalTransitionException.class, () -> next.retriedAs(j, T0.plusSeconds(3)), "only ended jobs");
    }
}
