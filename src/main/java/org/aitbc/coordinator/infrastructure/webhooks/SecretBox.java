package org.aitbc.coordinator.infrastructure.webhooks;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Seals webhook signing secrets for the database with AES-256-GCM, and opens them again for
 * signing. An HMAC secret cannot be stored as a hash (the sender needs it), so it is stored
 * encrypted: a database dump or backup alone does not reveal it. The key is
 * {@code aitbc.webhooks.secret.key}, or else a random key kept in {@code webhook-secret.key} in the
 * server's output folder, made at first start (readable by the server's user only).
 */
@ApplicationScoped
public class SecretBox {
    private static final String PREFIX = "v1:";
    private static final int IV_BYTES = 12;
    private static final SecureRandom RANDOM = new SecureRandom();

    @Inject
    CoordinatorConfig config;

    private SecretKeySpec key;

    @PostConstruct
    void loadKey() {
        key = new SecretKeySpec(
                Base64.getDecoder().decode(config.webhooksSecretKey().orElseGet(SecretBox::keyFile)), "AES");
        if (key.getEncoded().length != 32) {
            throw new IllegalStateException("aitbc.webhooks.secret.key must be the base64 of 32 bytes");
        }
    }

    private static String keyFile() {
        Path file =
                Path.of(System.getProperty("server.output.dir", System.getProperty("user.dir")), "webhook-secret.key");
        try {
            if (!Files.exists(file)) {
                byte[] fresh = new byte[32];
                RANDOM.nextBytes(fresh);
                try {
                    Files.createFile(
                            file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                    Files.writeString(
                            file, Base64.getEncoder().encodeToString(fresh), StandardOpenOption.TRUNCATE_EXISTING);
                } catch (FileAlreadyExistsException e) {
                    // Made a moment ago by another start: read that one.
                } catch (UnsupportedOperationException e) {
                    Files.writeString(file, Base64.getEncoder().encodeToString(fresh));
                }
            }
            return Files.readString(file, StandardCharsets.US_ASCII).trim();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create the webhook key " + file, e);
        }
    }

    public String seal(String secret) {
        return seal(key, secret);
    }

    public String open(String sealed) {
        return open(key, sealed);
    }

    static String seal(SecretKeySpec key, String secret) {
        try {
            byte[] iv = new byte[IV_BYTES];
            RANDOM.nextBytes(iv);
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
            byte[] sealed = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
            return PREFIX
                    + Base64.getEncoder()
                            .encodeToString(ByteBuffer.allocate(iv.length + sealed.length)
                                    .put(iv)
                                    .put(sealed)
                                    .array());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is not available", e);
        }
    }

    static String open(SecretKeySpec key, String sealed) {
        if (!sealed.startsWith(PREFIX)) {
            throw new IllegalArgumentException("not a sealed secret");
        }
        byte[] all = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
        try {
            Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
            c.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, all, 0, IV_BYTES));
            return new String(c.doFinal(all, IV_BYTES, all.length - IV_BYTES), StandardCharsets.UTF_8);
        } catch (GeneralSecurityException e) {
            // A wrong key (servers of a cluster with different keys) or a damaged value.
            throw new IllegalStateException("a webhook secret cannot be opened with this server's key", e);
        }
    }
}
