package org.aitbc.coordinator.application;

import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import java.security.KeyPair;
import org.aitbc.coordinator.domain.SigningKey;
import org.aitbc.coordinator.infrastructure.persistence.ReceiptRepository;
import org.aitbc.coordinator.infrastructure.security.Ed25519;

/**
 * The writes of signing keys, each in a transaction of its own, so that a lost race (another
 * server stored its generated key a moment earlier) rolls back only the insert and never the
 * job completion that needed the key.
 */
@Stateless
public class ReceiptKeys {
    @Inject
    ReceiptRepository receipts;

    /** The generated key, read in a transaction of its own; null when none exists yet. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public SigningKey generated() {
        return receipts.generated();
    }

    /**
     * Generates a key and stores it in the generated slot. When another server filled the slot
     * first, the unique constraint fails this insert: the caller reads that server's key instead.
     */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public SigningKey generate() {
        KeyPair pair = Ed25519.generate();
        SigningKey key = SigningKey.generated(
                Ed25519.keyId(pair.getPublic()),
                Ed25519.base64(pair.getPublic()),
                Ed25519.base64(pair.getPrivate()),
                JobService.now());
        receipts.addNow(key);
        return key;
    }

    /** Records a configured key's public half, once, so that it stays listed after a rotation. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public void recordConfigured(String keyId, String publicKey) {
        if (receipts.key(keyId) == null) {
            receipts.addNow(SigningKey.configured(keyId, publicKey, JobService.now()));
        }
    }
}
