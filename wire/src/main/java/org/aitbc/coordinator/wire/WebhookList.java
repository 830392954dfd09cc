package org.aitbc.coordinator.wire;

import java.util.List;

/** {@code GET /v1/webhooks}: the caller's webhooks, oldest first, without their secrets. */
public record WebhookList(List<WebhookView> webhooks) {}
