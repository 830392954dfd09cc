package org.aitbc.coordinator.interfaces.rest;

import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.ws.rs.ext.ContextResolver;
import jakarta.ws.rs.ext.Provider;
import org.aitbc.coordinator.wire.WireJson;

/** Serialises every answer with the wire format's JSON-B settings. */
@Provider
public class JsonbProvider implements ContextResolver<Jsonb> {
    private static final Jsonb JSONB = JsonbBuilder.create(WireJson.config());

    @Override
    public Jsonb getContext(Class<?> type) {
        return JSONB;
    }

    static Jsonb jsonb() {
        return JSONB;
    }
}
