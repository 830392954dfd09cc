package org.aitbc.coordinator.infrastructure.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.aitbc.coordinator.infrastructure.persistence.LeaderLease.Decision;
import org.junit.jupiter.api.Test;

/** The rules of the leadership lease: who renews, who takes over, and when nobody led. */
class LeaderLeaseTest {
    private static final long LEASE = 10_000;

    private static LeaderLease heldBy(String holder, long now) {
        LeaderLease l = new LeaderLease("aitbc-leader");
        l.takeOver(holder, now, now + LEASE);
        return l;
    }

    @Test
    void aFreshLeaseIsTakenWithEpochOne() {
        LeaderLease l = new LeaderLease("aitbc-leader");
        assertEquals(Decision.TAKE_OVER, l.decide("a", 0, 1000));
        l.takeOver("a", 1000, 1000 + LEASE);
        assertEquals(1, l.getEpoch());
        assertEquals("a", l.getHolder());
    }

    @Test
    void theHolderRenewsUnderItsEpochAndOthersFollowWhileItIsValid() {
        LeaderLease l = heldBy("a", 0);
        assertEquals(Decision.RENEW, l.decide("a", 1, 5_000));
        assertEquals(Decision.FOLLOW, l.decide("b", 0, 5_000));
        assertEquals(Decision.FOLLOW, l.decide("b", 7, 9_999), "an epoch b once held means nothing now");
    }

    @Test
    void anExpiredLeaseIsTakenOverWithTheNextEpoch() {
        LeaderLease l = heldBy("a", 0);
        assertEquals(Decision.TAKE_OVER, l.decide("b", 0, LEASE));
        l.takeOver("b", LEASE, 2 * LEASE);
        assertEquals(2, l.getEpoch());
        // The old holder, resumed after a pause, no longer holds its epoch: it follows.
        assertEquals(Decision.FOLLOW, l.decide("a", 1, LEASE + 1));
    }

    @Test
    void theHolderRenewsPastExpiryWhileNobodyElseTookOver() {
        LeaderLease l = heldBy("a", 0);
        assertEquals(Decision.RENEW, l.decide("a", 1, LEASE + 5_000), "its epoch is still the lease's");
    }

    @Test
    void aRestartedHolderTakesOverAtOnceWithANewEpoch() {
        LeaderLease l = heldBy("a", 0);
        // Same host and server name, but it knows no epoch (a new process): the old one is gone.
        assertEquals(Decision.TAKE_OVER, l.decide("a", 0, 1_000));
        l.takeOver("a", 1_000, 1_000 + LEASE);
        assertEquals(2, l.getEpoch());
        assertEquals(Decision.TAKE_OVER, l.decide("a", 1, 2_000), "a stale epoch of its own is not renewed");
    }

    @Test
    void nobodyLedWhenTheLeaseWasNeverHeldOrExpiredLongAgo() {
        assertTrue(new LeaderLease("x").unheldFor(5_000, 0), "never held");
        LeaderLease l = heldBy("a", 0);
        assertFalse(l.unheldFor(5_000, LEASE - 1), "valid");
        assertFalse(l.unheldFor(5_000, LEASE + 4_000), "a take-over within the slack is a failover");
        assertTrue(l.unheldFor(5_000, LEASE + 20_000), "nobody renewed it for 20 s");
    }
}
