package org.aitbc.coordinator.infrastructure.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/** Signing with the JDK's Ed25519, keys through their base64 encodings, key ids. */
class Ed25519Test {
    private static final byte[] MESSAGE =
            "{\"cost\":\"0.010000\",\"job_id\":\"job_1\"}".getBytes(StandardCharsets.UTF_8);

    @Test
    void aSignatureVerifiesWithItsKeyOnly() {
        KeyPair a = Ed25519.generate();
        KeyPair b = Ed25519.generate();
        String sig = Ed25519.sign(a.getPrivate(), MESSAGE);
        assertTrue(Ed25519.verify(a.getPublic(), MESSAGE, sig));
        assertFalse(Ed25519.verify(b.getPublic(), MESSAGE, sig), "another key's public half refuses it");
        byte[] changed = MESSAGE.clone();
        changed[10] ^= 1;
        assertFalse(Ed25519.verify(a.getPublic(), changed, sig), "one changed byte breaks it");
        assertFalse(Ed25519.verify(a.getPublic(), MESSAGE, "not base64!"));
    }

    @Test
    void keysRoundTripThroughBase64AndTheKeyIdIsTheHashOfThePublicKey() {
        KeyPair a = Ed25519.generate();
        var pub = Ed25519.publicKey(Ed25519.base64(a.getPublic()));
        var priv = Ed25519.privateKey(Ed25519.base64(a.getPrivate()));
        assertTrue(Ed25519.pairs(priv, pub));
        assertFalse(Ed25519.pairs(priv, Ed25519.generate().getPublic()));
        assertEquals(Ids.sha256Hex(a.getPublic().getEncoded()), Ed25519.keyId(pub));
        assertEquals(64, Ed25519.keyId(pub).length());
        assertThrows(IllegalArgumentException.class, () -> Ed25519.publicKey("AAAA"));
        assertThrows(IllegalArgumentException.class, () -> Ed25519.privateKey(Ed25519.base64(a.getPublic())));
    }
}
