package org.aitbc.coordinator.interfaces.mapping;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import java.io.StringReader;
import java.util.List;
import java.util.Map;
import org.aitbc.coordinator.domain.Webhook;
import org.aitbc.coordinator.domain.WebhookAttempt;
import org.aitbc.coordinator.domain.WebhookDelivery;
import org.aitbc.coordinator.wire.DeliveryView;
import org.aitbc.coordinator.wire.JobView;
import org.aitbc.coordinator.wire.WebhookView;
import org.aitbc.coordinator.wire.WireJson;

/** Webhooks and their deliveries → wire records. A secret is mapped only where it is given. */
public final class WebhookViews {
    private static final Jsonb JSONB = JsonbBuilder.create(WireJson.config());

    private WebhookViews() {}

    /** A submission's answer when it named a {@code callback_url}: the job, plus {@code "webhook"} with its secret. */
    public static JsonObject withCallback(JobView job, WebhookView webhook) {
        return Json.createObjectBuilder(read(JSONB.toJson(job)))
                .add("webhook", read(JSONB.toJson(webhook)))
                .build();
    }

    private static JsonObject read(String json) {
        try (JsonReader r = Json.createReader(new StringReader(json))) {
            return r.readObject();
        }
    }

    public static WebhookView of(Webhook w, String secret) {
        return new WebhookView(
                w.getId(), w.getUrl(), List.copyOf(w.getEvents()), w.getJobId(), w.getCreatedAt(), secret);
    }

    public static WebhookView of(Webhook w) {
        return of(w, null);
    }

    public static DeliveryView of(WebhookDelivery d, List<WebhookAttempt> attempts) {
        return new DeliveryView(
                d.getId(),
                d.getWebhookId(),
                d.getJobId(),
                d.getEventId(),
                d.getEventName(),
                d.getState(),
                d.getAttempts(),
                d.getCreatedAt(),
                WebhookDelivery.PENDING.equals(d.getState()) ? d.getNextAt() : null,
                d.getDeliveredAt(),
                d.getRedeliveryOf(),
                attempts.stream()
                        .map(a -> new DeliveryView.Attempt(
                                a.getAttempt(), a.getAt(), a.getStatusCode(), a.getError(), a.getDurationMs()))
                        .toList(),
                d.getEndedAt(),
                WebhookDelivery.NOT_SENT.equals(d.getState()) ? d.getLastError() : null);
    }

    public static List<DeliveryView> of(List<WebhookDelivery> ds, Map<Long, List<WebhookAttempt>> attempts) {
        return ds.stream()
                .map(d -> of(d, attempts.getOrDefault(d.getId(), List.of())))
                .toList();
    }
}
