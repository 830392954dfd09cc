package org.aitbc.coordinator.infrastructure.webhooks;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Posts one delivery and reports the receiver's answer. One {@link HttpClient} for the server,
 * with a connect timeout and a whole-request timeout, and redirects never followed (a 3xx is an
 * answer like any non-2xx: the delivery is retried, never sent elsewhere). Only the first 200
 * characters of an answer's body are read, so a receiver cannot make the sender buffer much.
 */
@ApplicationScoped
public class WebhookHttp {
    private static final int ANSWER_CHARS = 200;

    @Inject
    CoordinatorConfig config;

    private HttpClient client;

    /** A receiver's answer: its status code (null when there was none) and a short text for the record. */
    public record Answer(Integer statusCode, String text, long durationMs) {
        public boolean delivered() {
            return statusCode != null && statusCode >= 200 && statusCode < 300;
        }
    }

    @PostConstruct
    void build() {
        client = HttpClient.newBuilder()
                .connectTimeout(config.webhooksConnectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    public Answer post(String url, String body, String signature, long eventId, String webhookId) {
        long start = System.nanoTime();
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(url))
                    .timeout(config.webhooksReadTimeout())
                    .header("Content-Type", "application/json")
                    .header("User-Agent", "aitbc-coordinator-webhooks/1")
                    .header(WebhookSignature.HEADER, signature)
                    .header(WebhookSignature.EVENT_ID_HEADER, Long.toString(eventId))
                    .header("X-Aitbc-Webhook-Id", webhookId)
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                    .build();
            HttpResponse<InputStream> r = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
            String text;
            try (InputStream in = r.body()) {
                text = new String(in.readNBytes(ANSWER_CHARS * 4), StandardCharsets.UTF_8);
            }
            if (text.length() > ANSWER_CHARS) {
                text = text.substring(0, ANSWER_CHARS);
            }
            return new Answer(r.statusCode(), text.isEmpty() ? null : text, elapsed(start));
        } catch (HttpTimeoutException e) {
            return new Answer(null, "timed out: " + e.getMessage(), elapsed(start));
        } catch (IOException | IllegalArgumentException e) {
            return new Answer(null, e.getClass().getSimpleName() + ": " + e.getMessage(), elapsed(start));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(null, "interrupted (server stopping)", elapsed(start));
        }
    }

    private static long elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
