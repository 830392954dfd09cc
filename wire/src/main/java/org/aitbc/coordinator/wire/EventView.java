package org.aitbc.coordinator.wire;

import java.time.Instant;

/** One recorded change of a job; {@code type} is {@code status} or {@code progress}. */
public record EventView(
        long eventId,
        String jobId,
        String type,
        String status,
        int progress,
        String minerId,
        String message,
        Instant estimatedCompletion,
        Instant at) {}
