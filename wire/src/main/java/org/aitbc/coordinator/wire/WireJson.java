package org.aitbc.coordinator.wire;

import jakarta.json.bind.JsonbConfig;
import jakarta.json.bind.config.PropertyNamingStrategy;

/** The JSON-B settings of the wire format: {@code snake_case} property names, nulls written out. */
public final class WireJson {
    private WireJson() {}

    public static JsonbConfig config() {
        return new JsonbConfig()
                .withPropertyNamingStrategy(PropertyNamingStrategy.LOWER_CASE_WITH_UNDERSCORES)
                .withNullValues(true);
    }
}
