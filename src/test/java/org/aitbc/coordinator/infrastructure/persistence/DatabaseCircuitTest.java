package org.aitbc.coordinator.infrastructure.persistence;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The database circuit: open from a failure until something reaches the database again. */
class DatabaseCircuitTest {
    @Test
    void aFailureOpensItUntilASuccessClosesIt() {
        DatabaseCircuit c = new DatabaseCircuit();
        assertFalse(c.isOpen());
        c.failed();
        assertTrue(c.isOpen());
        c.failed();
        assertTrue(c.isOpen(), "more failures keep it open");
        c.succeeded();
        assertFalse(c.isOpen());
    }
}
