package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Every pair of states: exactly the moves of the spec are allowed, nothing leaves a final state. */
class JobStateTest {
    private static final Map<JobState, Set<JobState>> ALLOWED = Map.of(
            JobState.PENDING, EnumSet.of(JobState.ASSIGNED, JobState.FAILED, JobState.CANCELED),
            JobState.ASSIGNED, EnumSet.of(JobState.RUNNING, JobState.PENDING, JobState.FAILED, JobState.CANCELED),
            JobState.RUNNING, EnumSet.of(JobState.COMPLETED, JobState.FAILED, JobState.CANCELING, JobState.PENDING),
            JobState.CANCELING, EnumSet.of(JobState.CANCELED, JobState.PENDING),
            JobState.COMPLETED, EnumSet.noneOf(JobState.class),
            JobState.FAILED, EnumSet.noneOf(JobState.class),
            JobState.CANCELED, EnumSet.noneOf(JobState.class));

    @Test
    void everyPairOfStatesIsDecidedAsSpecified() {
        int checked = 0;
        for (JobState from : JobState.values()) {
            for (JobState to : JobState.values()) {
                assertEquals(ALLOWED.get(from).contains(to), from.canMoveTo(to), from + " -> " + to);
                checked++;
            }
        }
        assertEquals(49, checked);
    }

    @Test
    void finalStatesAreCompletedFailedCanceled() {
        assertEquals(
                EnumSet.of(JobState.COMPLETED, JobState.FAILED, JobState.CANCELED),
                EnumSet.copyOf(java.util.Arrays.stream(JobState.values())
                        .filter(JobState::isFinal)
                        .toList()));
        assertTrue(JobState.CANCELING.isLeased());
        assertFalse(JobState.PENDING.isLeased());
    }

    @Test
    void wireValuesAndLegacyAliases() {
        assertEquals("pending", JobState.PENDING.wire());
        assertEquals("QUEUED", JobState.PENDING.legacyWire());
        assertEquals("RUNNING", JobState.ASSIGNED.legacyWire());
        assertEquals("RUNNING", JobState.CANCELING.legacyWire());
        assertEquals("COMPLETED", JobState.COMPLETED.legacyWire());
        assertEquals(JobState.RUNNING, JobState.fromWire(" Running "));
        assertNull(JobState.fromWire("queued"));
    }
}
