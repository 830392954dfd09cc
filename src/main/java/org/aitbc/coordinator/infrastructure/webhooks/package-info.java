/**
 * The technical parts of webhooks: signing a delivery ({@link
 * org.aitbc.coordinator.infrastructure.webhooks.WebhookSignature}), sealing signing secrets at
 * rest ({@link org.aitbc.coordinator.infrastructure.webhooks.SecretBox}), which URLs a webhook may
 * name ({@link org.aitbc.coordinator.infrastructure.webhooks.WebhookUrls}) and the HTTP client
 * that posts deliveries ({@link org.aitbc.coordinator.infrastructure.webhooks.WebhookHttp}).
 */
package org.aitbc.coordinator.infrastructure.webhooks;
