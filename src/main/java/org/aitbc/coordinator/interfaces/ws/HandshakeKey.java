package org.aitbc.coordinator.interfaces.ws;

import jakarta.websocket.HandshakeResponse;
import jakarta.websocket.server.HandshakeRequest;
import jakarta.websocket.server.ServerEndpointConfig;
import java.util.List;
import java.util.Map;

/**
 * Carries the {@code X-Api-Key} header (or {@code Authorization: Bearer}) of the opening handshake to
 * the connection, and the client's address (which the WebSocket API does not expose:
 * {@link FeedAddress} puts it in a header only the server sets). WebSocket 2.1
 * hands {@code modifyHandshake} a per-connection copy of the user properties, so the key reaches
 * only its own connection; the endpoint removes it as soon as it has read it.
 */
public class HandshakeKey extends ServerEndpointConfig.Configurator {
    static final String PROPERTY = "org.aitbc.coordinator.ws.api-key";
    static final String ADDRESS = "org.aitbc.coordinator.ws.client-address";
    private static final String HEADER = "X-Api-Key";

    /** Stands for "two keys that disagree": no key hashes to it, so authentication fails as for a bad key. */
    static final String MISMATCH = "\u0000two different keys";

    @Override
    public void modifyHandshake(ServerEndpointConfig config, HandshakeRequest request, HandshakeResponse response) {
        String key = header(request.getHeaders(), HEADER);
        // Authorization: Bearer <key> counts as X-Api-Key, as on every REST route.
        String authorization = header(request.getHeaders(), "Authorization");
        String bearer = authorization != null
                        && authorization.length() > 7
                        && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim()
                : null;
        if (key != null && bearer != null && !bearer.isEmpty() && !key.trim().equals(bearer)) {
            key = MISMATCH;
        } else if (key == null && bearer != null && !bearer.isEmpty()) {
            key = bearer;
        }
        if (key == null) {
            config.getUserProperties().remove(PROPERTY);
        } else {
            config.getUserProperties().put(PROPERTY, key);
        }
        String address = header(request.getHeaders(), FeedAddress.HEADER);
        if (address == null) {
            config.getUserProperties().remove(ADDRESS);
        } else {
            config.getUserProperties().put(ADDRESS, address);
        }
    }

    /** Header names are case-insensitive; containers differ in how they spell them in the map. */
    private static String header(Map<String, List<String>> headers, String name) {
        if (headers == null) {
            return null;
        }
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            if (name.equalsIgnoreCase(h.getKey())
                    && h.getValue() != null
                    && !h.getValue().isEmpty()) {
                return h.getValue().get(0);
            }
        }
        return null;
    }
}
