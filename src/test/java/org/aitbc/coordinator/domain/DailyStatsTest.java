package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import org.junit.jupiter.api.Test;

/** The counters of ended jobs: which row a job counts in, and what it adds there. */
class DailyStatsTest {
    private static final Instant T0 = Instant.parse("2026-02-13T23:59:00Z");

    @Test
    void anEndedJobCountsOnItsDayOfSubmissionUnderItsFinalState() {
        Job j = JobTest.job(3600, 900);
        j.assign("m1", T0.plusSeconds(10), T0.plusSeconds(70));
        j.start(T0.plusSeconds(20));
        j.complete("{}", null, T0.plusSeconds(920));
        DailyStats.Key key = DailyStats.keyOf(j.getClientId(), j.getCreatedMs(), j.getState());
        // Submitted on 13 February (JobTest's T0); it ended on the 14th, which does not matter.
        assertEquals(
                new DailyStats.Key("client_1", LocalDate.parse("2026-02-13").toEpochDay(), "completed"), key);

        DailyStats fromJob = new DailyStats(key.clientId, key.epochDay, key.status);
        fromJob.add(j);
        DailyStats fromValues = new DailyStats(key.clientId, key.epochDay, key.status);
        fromValues.add(
                j.getCost(), j.getStartedAt().toEpochMilli(), j.getEndedAt().toEpochMilli());
        for (DailyStats s : new DailyStats[] {fromJob, fromValues}) {
            assertEquals(1, s.getJobs());
            assertEquals(900, s.getRunSeconds());
            assertEquals(j.getCost(), s.getSpent());
        }
    }

    @Test
    void aJobThatNeverStartedAddsNoRunTime() {
        DailyStats s = new DailyStats("c", 1, "canceled");
        s.add(BigDecimal.ZERO.setScale(Pricing.SCALE), null, 5_000L);
        s.add(null, null, null);
        assertEquals(2, s.getJobs());
        assertEquals(0, s.getRunSeconds());
        assertEquals(BigDecimal.ZERO.setScale(Pricing.SCALE), s.getSpent());
    }

    @Test
    void slotsAddUpToWhatOneCounterWouldHold() {
        Job j = JobTest.job(3600, 900);
        j.assign("m1", T0.plusSeconds(10), T0.plusSeconds(70));
        j.start(T0.plusSeconds(20));
        j.complete("{}", null, T0.plusSeconds(920));
        DailyStats.Key key = DailyStats.keyOf(j.getClientId(), j.getCreatedMs(), j.getState());
        DailyStats one = new DailyStats(key.clientId, key.epochDay, key.status);
        DailyStatsSlot a = new DailyStatsSlot(key, 0);
        DailyStatsSlot b = new DailyStatsSlot(key, 1);
        for (int i = 0; i < 3; i++) {
            one.add(j);
            (i % 2 == 0 ? a : b).add(j);
        }
        one.addSpent(new BigDecimal("0.250000"));
        b.addSpent(new BigDecimal("0.250000"));

        DailyStats read = new DailyStats(key.clientId, key.epochDay, key.status);
        read.absorb(a.ended());
        read.absorb(b.ended());
        assertEquals(key, b.counter());
        assertEquals(3, read.getJobs());
        assertEquals(one.getJobs(), read.getJobs());
        assertEquals(one.getSpent(), read.getSpent());
        assertEquals(2700, read.getRunSeconds());
        assertEquals(one.getRunSeconds(), read.getRunSeconds());
    }
}
