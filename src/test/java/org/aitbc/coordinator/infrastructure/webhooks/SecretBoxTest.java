package org.aitbc.coordinator.infrastructure.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SecretBoxTest {
    private static final SecretKeySpec KEY = new SecretKeySpec(new byte[32], "AES");
    private static final SecretKeySpec OTHER = new SecretKeySpec(
            new byte[] {
                1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
                29, 30, 31, 32
            },
            "AES");

    @Test
    void aSealedSecretOpensToItselfAndDoesNotShowIt() {
        String sealed = SecretBox.seal(KEY, "whsec_secret");
        assertFalse(sealed.contains("whsec_secret"));
        assertEquals("whsec_secret", SecretBox.open(KEY, sealed));
        // A fresh nonce each time: the same secret never seals to the same text.
        assertNotEquals(sealed, SecretBox.seal(KEY, "whsec_secret"));
    }

    @Test
    void anotherKeyOrATamperedValueDoesNotOpen() {
        String sealed = SecretBox.seal(KEY, "whsec_secret");
        assertThrows(IllegalStateException.class, () -> SecretBox.open(OTHER, sealed));
        char last = sealed.charAt(sealed.length() - 2);
        String tampered = sealed.substring(0, sealed.length() - 2)
                + (last == 'A' ? 'B' : 'A')
                + sealed.charAt(sealed.length() - 1);
        assertThrows(IllegalStateException.class, () -> SecretBox.open(KEY, tampered));
    }
}
