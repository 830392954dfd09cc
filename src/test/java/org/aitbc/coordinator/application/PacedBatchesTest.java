package org.aitbc.coordinator.application;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The retention purge's pace: everything due is done, never faster than the budget. */
class PacedBatchesTest {
    /** A clock that only moves when the pacer sleeps (and by what each batch costs). */
    private final AtomicLong clock = new AtomicLong(1_000_000);

    private final List<Long> sleeps = new ArrayList<>();

    private PacedBatches pace(int batch, int perSecond) {
        return new PacedBatches(batch, perSecond, clock::get, ms -> {
            sleeps.add(ms);
            clock.addAndGet(ms);
        });
    }

    @Test
    void aPacedRunStillDoesEverythingDue() throws Exception {
        int[] due = {1050};
        PacedBatches p = pace(100, 200);
        long done = p.run(
                n -> {
                    int d = Math.min(n, due[0]);
                    due[0] -= d;
                    clock.addAndGet(5); // each batch takes 5 ms
                    return d;
                },
                3_600_000);
        assertEquals(1050, done);
        assertEquals(0, due[0]);
        // 1,000 items in full batches at 200/s take at least 5 s: the pacer waited for the rest.
        long elapsed = clock.get() - 1_000_000;
        assertTrue(elapsed >= 5_000, "paced: " + elapsed + " ms");
        assertEquals(10, sleeps.size(), "a pause after each full batch");
    }

    @Test
    void theBudgetBoundsTheBatchAndARunEndsWhenItsTimeIsUp() throws Exception {
        PacedBatches p = pace(500, 50);
        assertEquals(50, p.batchSize(), "no batch larger than one second's budget");
        long done = p.run(n -> n, 2_000);
        // Always a full batch: only the time limit ends the run, after 2 s at 50 per second.
        assertEquals(100, done);
        assertTrue(clock.get() - 1_000_000 >= 2_000);
    }

    @Test
    void withoutABudgetThereIsNoPause() throws Exception {
        int[] due = {250};
        long done = pace(100, 0)
                .run(
                        n -> {
                            int d = Math.min(n, due[0]);
                            due[0] -= d;
                            return d;
                        },
                        1_000);
        assertEquals(250, done);
        assertTrue(sleeps.isEmpty());
    }
}
