package org.aitbc.coordinator.wire;

import jakarta.json.JsonObject;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.time.Instant;
import java.util.List;

/**
 * Signed receipts and the keys that verify them (docs/RECEIPTS.md). A receipt's {@code receipt}
 * object is exactly what was signed: its canonical encoding ({@link CanonicalJson}) is the
 * message of {@code signature}.
 */
public final class ReceiptAnswers {
    private ReceiptAnswers() {}

    /** {@code GET /v1/jobs/{id}/receipt}, and {@code receipt.json} of the result package. */
    @JsonbPropertyOrder({"receipt", "signature"})
    public record Receipt(JsonObject receipt, Signature signature) {}

    /** A detached Ed25519 signature: {@code value} is its 64 bytes in base64. */
    @JsonbPropertyOrder({"algorithm", "keyId", "value"})
    public record Signature(String algorithm, String keyId, String value) {}

    /** {@code GET /v1/keys}: every key that signed or signs receipts, the current one first. */
    public record KeyList(List<Key> keys) {}

    /**
     * One public key: {@code public_key} is its X.509 SubjectPublicKeyInfo (DER) in base64,
     * {@code key_id} the SHA-256 (hex) of those bytes; {@code current} marks the key signing now.
     */
    @JsonbPropertyOrder({"keyId", "algorithm", "publicKey", "current", "createdAt"})
    public record Key(String keyId, String algorithm, String publicKey, boolean current, Instant createdAt) {}
}
