package org.aitbc.coordinator.infrastructure.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WebhookSignatureTest {
    @Test
    void theHmacIsRfc4231sKnownAnswer() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        assertEquals(
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                WebhookSignature.hmacHex("Jefe", "what do ya want for nothing?"));
    }

    @Test
    void theHeaderSignsTheTimeAndTheBodyTogether() {
        String body = "{\"event_id\":7,\"job_id\":\"job_1\"}";
        String header = WebhookSignature.header("whsec_abc", 1_700_000_000L, body);
        assertTrue(header.startsWith("t=1700000000,v1="), header);
        assertEquals(
                WebhookSignature.hmacHex("whsec_abc", "1700000000." + body),
                header.substring(header.indexOf("v1=") + 3));
        assertEquals(64, header.substring(header.indexOf("v1=") + 3).length());
        // Another time, another body or another secret: another signature.
        assertNotEquals(header, WebhookSignature.header("whsec_abc", 1_700_000_001L, body));
        assertNotEquals(header, WebhookSignature.header("whsec_abc", 1_700_000_000L, body + " "));
        assertNotEquals(header, WebhookSignature.header("whsec_abd", 1_700_000_000L, body));
    }
}
