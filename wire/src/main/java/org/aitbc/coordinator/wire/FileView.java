package org.aitbc.coordinator.wire;

import java.time.Instant;

/**
 * An uploaded input file ({@code POST /v1/files}): its id for a job's {@code "input": {"file_id":
 * ...}}, its size and SHA-256 as stored, and until when it is kept if no job uses it
 * ({@code null} once a job uses it: it then lives as long as that job's results).
 */
public record FileView(String fileId, long sizeBytes, String sha256, Instant expiresAt) {}
