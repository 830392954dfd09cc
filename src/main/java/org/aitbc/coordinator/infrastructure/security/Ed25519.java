package org.aitbc.coordinator.infrastructure.security;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Ed25519 with the JDK's own provider: generating a key pair, reading keys from their standard
 * encodings in base64 (private: PKCS#8 DER; public: X.509 SubjectPublicKeyInfo DER, what
 * {@code openssl pkey -outform DER} writes), key ids (SHA-256 hex of the public key's DER) and
 * detached signatures in base64.
 */
public final class Ed25519 {
    public static final String ALGORITHM = "Ed25519";

    private Ed25519() {}

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    /** The public key in base64 DER; IllegalArgumentException when it is not an Ed25519 key. */
    public static PublicKey publicKey(String base64) {
        try {
            return KeyFactory.getInstance(ALGORITHM)
                    .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64.trim())));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not an Ed25519 public key (X.509 DER in base64)");
        }
    }

    /** The private key in base64 PKCS#8 DER; IllegalArgumentException when it is not an Ed25519 key. */
    public static PrivateKey privateKey(String base64) {
        try {
            return KeyFactory.getInstance(ALGORITHM)
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64.trim())));
        } catch (GeneralSecurityException | RuntimeException e) {
            throw new IllegalArgumentException("not an Ed25519 private key (PKCS#8 DER in base64)");
        }
    }

    public static String base64(java.security.Key key) {
        return Base64.getEncoder().encodeToString(key.getEncoded());
    }

    /** The key id: SHA-256 (hex) of the public key's X.509 DER bytes. */
    public static String keyId(PublicKey key) {
        return Ids.sha256Hex(key.getEncoded());
    }

    public static String sign(PrivateKey key, byte[] message) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(message);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with Ed25519", e);
        }
    }

    public static boolean verify(PublicKey key, byte[] message, String signatureBase64) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(message);
            return s.verify(Base64.getDecoder().decode(signatureBase64));
        } catch (GeneralSecurityException | RuntimeException e) {
            return false;
        }
    }

    /** Whether the private key is the public key's other half (a configured pair must be). */
    public static boolean pairs(PrivateKey privateKey, PublicKey publicKey) {
        byte[] probe = "aitbc receipt key check".getBytes(StandardCharsets.UTF_8);
        return verify(publicKey, probe, sign(privateKey, probe));
    }
}
