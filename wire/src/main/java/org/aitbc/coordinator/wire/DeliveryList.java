package org.aitbc.coordinator.wire;

import java.util.List;

/** {@code GET /v1/webhooks/{id}/deliveries}: newest first. */
public record DeliveryList(List<DeliveryView> deliveries) {}
