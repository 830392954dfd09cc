package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.util.List;
import org.aitbc.coordinator.domain.Receipt;
import org.aitbc.coordinator.domain.SigningKey;

/** Receipts (one per job, by job id) and the signing keys that made them. */
@ApplicationScoped
public class ReceiptRepository {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    public Receipt find(String jobId) {
        return em.find(Receipt.class, jobId);
    }

    public void add(Receipt receipt) {
        em.persist(receipt);
    }

    public SigningKey key(String keyId) {
        return em.find(SigningKey.class, keyId);
    }

    /** The key generated at first start, or null when none was generated yet. */
    public SigningKey generated() {
        List<SigningKey> found = em.createQuery(
                        "SELECT k FROM SigningKey k WHERE k.generatedSlot = :slot", SigningKey.class)
                .setParameter("slot", SigningKey.GENERATED)
                .getResultList();
        return found.isEmpty() ? null : found.get(0);
    }

    /** Inserts the key now; a duplicate (another server's key in the slot) fails here, not at commit. */
    public void addNow(SigningKey key) {
        em.persist(key);
        em.flush();
    }

    /** Every key, oldest first. */
    public List<SigningKey> keys() {
        return em.createQuery("SELECT k FROM SigningKey k ORDER BY k.createdMs, k.keyId", SigningKey.class)
                .getResultList();
    }
}
