package org.aitbc.coordinator.it.webhooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.aitbc.coordinator.cli.Aitbc;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/** {@code aitbc client webhook add|list|remove|deliveries} against the real server. */
public class WebhookCliIT {
    record Run(int code, String out, String err) {
        JsonObject json() {
            try (JsonReader r = Json.createReader(new StringReader(out))) {
                return r.readObject();
            }
        }
    }

    static Run aitbc(String key, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Aitbc.run(
                args,
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(
                        "AITBC_URL",
                        Api.BASE,
                        "AITBC_API_KEY",
                        key,
                        "AITBC_CONFIG",
                        System.getProperty("java.io.tmpdir") + "/aitbc-webhook-cli-it-"
                                + ProcessHandle.current().pid()));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void addListDeliveriesRemove() throws Exception {
        WebhooksIT.Setup s = new WebhooksIT.Setup();
        try (Receiver r = new Receiver()) {
            Run added = aitbc(s.client, "--json", "client", "webhook", "add", r.url(), "--events", "job.completed");
            assertEquals(0, added.code(), added.err());
            String id = added.json().getString("webhook_id");
            r.secret(id, added.json().getString("secret"));

            Run human = aitbc(s.client, "client", "webhook", "add", r.url());
            assertEquals(0, human.code(), human.err());
            assertTrue(human.out().contains("Signing secret (shown only now; keep it): whsec_"), human.out());
            assertTrue(human.out().contains("job.completed, job.failed, job.canceled"), human.out());

            Run listed = aitbc(s.client, "client", "webhook", "list");
            assertEquals(0, listed.code(), listed.err());
            assertTrue(listed.out().contains(id) && listed.out().contains("2 webhooks"), listed.out());
            assertTrue(!listed.out().contains("whsec_"), "no secret in the list");

            String second = aitbc(s.client, "--json", "client", "webhook", "list")
                    .json()
                    .getJsonArray("webhooks")
                    .getJsonObject(1)
                    .getString("webhook_id");
            assertEquals(
                    0,
                    aitbc(s.client, "client", "webhook", "remove", "--id", second)
                            .code());

            String job = s.runJob();
            r.await(g -> Receiver.delivered(g, job).size() == 1, Duration.ofSeconds(30));
            r.assertAllSigned();
            // The receiver's 200 may come a moment before the server records it.
            for (long until = System.currentTimeMillis() + 10_000;
                    System.currentTimeMillis() < until
                            && !Api.get("/v1/webhooks/" + id + "/deliveries", s.client)
                                    .body()
                                    .contains("\"delivered\""); ) {
                Api.sleep(200);
            }
            Run deliveries = aitbc(s.client, "client", "webhook", "deliveries", "--id", id);
            assertEquals(0, deliveries.code(), deliveries.err());
            assertTrue(deliveries.out().contains(job) && deliveries.out().contains("delivered"), deliveries.out());
            assertTrue(deliveries.out().contains("HTTP 200"), deliveries.out());

            Run gone = aitbc(s.client, "client", "webhook", "remove", "--id", second);
            assertTrue(gone.code() != 0, "removing twice fails");
            assertTrue(gone.err().contains("WEBHOOK_NOT_FOUND") || gone.err().contains("no webhook"), gone.err());
        }
    }
}
