package org.aitbc.coordinator.interfaces.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.aitbc.coordinator.application.CoordinatorException;
import org.junit.jupiter.api.Test;

/** Which API key a request carries: X-Api-Key, Authorization: Bearer, or both when they agree. */
class BearerKeyTest {
    @Test
    void eitherHeaderOrBothAgreeing() {
        assertEquals("k1", AuthFilter.key("k1", null));
        assertEquals("k1", AuthFilter.key(null, "Bearer k1"));
        assertEquals("k1", AuthFilter.key(null, "bearer   k1 "));
        assertEquals("k1", AuthFilter.key(" k1 ", "Bearer k1"));
        assertEquals("k1", AuthFilter.key("k1", "Basic dXNlcjpwYXNz"), "another scheme is not a key");
    }

    @Test
    void disagreeingOrMissingKeysAre401() {
        for (String[] c : new String[][] {{"k1", "Bearer k2"}, {null, null}, {" ", "Bearer "}, {null, "Basic k1"}}) {
            CoordinatorException e = assertThrows(CoordinatorException.class, () -> AuthFilter.key(c[0], c[1]));
            assertEquals(CoordinatorException.Kind.UNAUTHENTICATED, e.kind());
        }
    }
}
