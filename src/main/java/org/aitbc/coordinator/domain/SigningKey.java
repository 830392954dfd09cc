package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.UniqueConstraint;
import java.time.Instant;

/**
 * A key that signs or signed receipts. Every key the coordinator ever signed with has a row, so
 * that {@code GET /v1/keys} keeps listing it after a rotation and old receipts stay verifiable.
 * A key generated at first start also keeps its private half here (the coordinator's data),
 * under {@code GENERATED_SLOT = 1}: the unique slot makes two servers starting on one database
 * at once agree on one key (the second insert fails and that server reads the first's). A
 * configured key's private half stays in the configuration; its row holds the public half only.
 */
@Entity
@Table(
        name = "SIGNING_KEY",
        uniqueConstraints = @UniqueConstraint(name = "UQ_SIGNING_KEY_SLOT", columnNames = "GENERATED_SLOT"))
public class SigningKey {
    /** The slot of the key generated at first start. */
    public static final int GENERATED = 1;

    @Id
    @Column(name = "KEY_ID", length = 64)
    private String keyId;

    /** X.509 SubjectPublicKeyInfo, DER, base64. */
    @Column(name = "PUBLIC_KEY", nullable = false, length = 400)
    private String publicKey;

    /** PKCS#8, DER, base64; only for the generated key. */
    @Column(name = "PRIVATE_KEY", length = 400)
    private String privateKey;

    @Column(name = "GENERATED_SLOT")
    private Integer generatedSlot;

    @Column(name = "CREATED_MS", nullable = false)
    private long createdMs;

    protected SigningKey() {}

    private SigningKey(String keyId, String publicKey, String privateKey, Integer slot, Instant at) {
        this.keyId = keyId;
        this.publicKey = publicKey;
        this.privateKey = privateKey;
        this.generatedSlot = slot;
        this.createdMs = at.toEpochMilli();
    }

    /** The key generated at first start, private half included. */
    public static SigningKey generated(String keyId, String publicKey, String privateKey, Instant at) {
        return new SigningKey(keyId, publicKey, privateKey, GENERATED, at);
    }

    /** A configured key's public half, recorded so that it stays listed after the next rotation. */
    public static SigningKey configured(String keyId, String publicKey, Instant at) {
        return new SigningKey(keyId, publicKey, null, null, at);
    }

    public String getKeyId() {
        return keyId;
    }

    public String getPublicKey() {
        return publicKey;
    }

    public String getPrivateKey() {
        return privateKey;
    }

    public boolean isGenerated() {
        return generatedSlot != null;
    }

    public Instant getCreatedAt() {
        return Instant.ofEpochMilli(createdMs);
    }
}
