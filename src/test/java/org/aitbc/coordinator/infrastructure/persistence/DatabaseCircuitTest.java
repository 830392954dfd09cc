package org.aitbc.coordinator.infrastructure.persistence;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The database circuit: closed lets everything through, open one probe a second. */
class DatabaseCircuitTest {
    @Test
    void openAfterAFailureLetsOneProbeASecondThroughUntilSomethingSucceeds() {
        AtomicLong now = new AtomicLong(10_000);
        DatabaseCircuit c = new DatabaseCircuit(now::get);
        assertTrue(c.allows());
        c.failed();
        assertTrue(c.isOpen());
        assertFalse(c.allows(), "the failure just now was the probe");
        now.addAndGet(DatabaseCircuit.PROBE_MS);
        assertTrue(c.allows(), "one probe after a second");
        assertFalse(c.allows(), "and only one");
        c.failed();
        assertTrue(c.isOpen());
        now.addAndGet(DatabaseCircuit.PROBE_MS);
        assertTrue(c.allows());
        c.succeeded();
        assertFalse(c.isOpen());
        assertTrue(c.allows());
        assertTrue(c.allows());
    }
}
