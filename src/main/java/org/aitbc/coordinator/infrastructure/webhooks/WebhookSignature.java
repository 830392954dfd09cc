package org.aitbc.coordinator.infrastructure.webhooks;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The {@code X-Aitbc-Signature} header: {@code t=<unix seconds>,v1=<hex HMAC-SHA256>} of
 * {@code "<t>.<body>"} under the webhook's secret (its UTF-8 bytes). The time is inside the signed
 * text, so a receiver that checks it refuses an old delivery replayed later.
 */
public final class WebhookSignature {
    public static final String HEADER = "X-Aitbc-Signature";
    public static final String EVENT_ID_HEADER = "X-Aitbc-Event-Id";

    private WebhookSignature() {}

    public static String header(String secret, long unixSeconds, String body) {
        return "t=" + unixSeconds + ",v1=" + hmacHex(secret, unixSeconds + "." + body);
    }

    public static String hmacHex(String secret, String text) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return HexFormat.of().formatHex(mac.doFinal(text.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is not available", e);
        }
    }
}
