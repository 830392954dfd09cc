package org.aitbc.coordinator.wire;

import jakarta.json.bind.annotation.JsonbNillable;
import java.time.Instant;

/** An account; {@code api_key} is present only in the answer that created it. */
public record AccountView(
        String id,
        String name,
        String role,
        String plan,
        Instant createdAt,
        @JsonbNillable(false) Instant revokedAt,
        @JsonbNillable(false) String apiKey) {}
