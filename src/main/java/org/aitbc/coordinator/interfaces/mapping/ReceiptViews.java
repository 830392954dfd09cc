package org.aitbc.coordinator.interfaces.mapping;

import jakarta.json.Json;
import jakarta.json.JsonReader;
import java.io.StringReader;
import org.aitbc.coordinator.application.ReceiptService;
import org.aitbc.coordinator.domain.Receipt;
import org.aitbc.coordinator.infrastructure.security.Ed25519;
import org.aitbc.coordinator.wire.ReceiptAnswers;

/** Receipts and signing keys → their wire records. */
public final class ReceiptViews {
    private ReceiptViews() {}

    public static ReceiptAnswers.Receipt of(Receipt r) {
        try (JsonReader reader = Json.createReader(new StringReader(r.getBody()))) {
            return new ReceiptAnswers.Receipt(
                    reader.readObject(),
                    new ReceiptAnswers.Signature(Ed25519.ALGORITHM, r.getKeyId(), r.getSignature()));
        }
    }

    /** The current key first, then the others newest first. */
    public static ReceiptAnswers.KeyList of(ReceiptService.Keys keys) {
        var list = new java.util.ArrayList<ReceiptAnswers.Key>();
        for (var k : keys.keys()) {
            list.add(new ReceiptAnswers.Key(
                    k.getKeyId(),
                    Ed25519.ALGORITHM,
                    k.getPublicKey(),
                    k.getKeyId().equals(keys.currentKeyId()),
                    k.getCreatedAt()));
        }
        java.util.Collections.reverse(list);
        list.sort(java.util.Comparator.comparing(k -> !k.current()));
        return new ReceiptAnswers.KeyList(list);
    }
}
