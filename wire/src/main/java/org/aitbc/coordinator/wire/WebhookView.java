package org.aitbc.coordinator.wire;

import java.time.Instant;
import java.util.List;

/**
 * A registered webhook. {@code secret} is its signing secret in the answer that created it, and
 * null in every other answer; {@code job_id} is null for a webhook that follows all the client's jobs.
 */
public record WebhookView(
        String webhookId, String url, List<String> events, String jobId, Instant createdAt, String secret) {}
