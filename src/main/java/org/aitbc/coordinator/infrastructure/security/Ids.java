package org.aitbc.coordinator.infrastructure.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Unguessable identifiers and secrets, and the one-way hash under which secrets are stored. */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789".toCharArray();

    private Ids() {}

    /** {@code prefix} + {@code length} random characters of [a-z0-9] (about 5.17 bits each). */
    public static String random(String prefix, int length) {
        StringBuilder sb = new StringBuilder(prefix.length() + length).append(prefix);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
        }
        return sb.toString();
    }

    /** A job id: {@code job_} + 24 random characters (~124 bits). */
    public static String jobId() {
        return random("job_", 24);
    }

    /** An API key: 32 random characters (~165 bits). */
    public static String apiKey() {
        return random("aitbc_", 32);
    }

    /** Keys and tokens carry at least 128 random bits, so a fast digest is enough to store them. */
    public static String sha256Hex(String secret) {
        return sha256Hex(secret.getBytes(StandardCharsets.UTF_8));
    }

    public static String sha256Hex(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
