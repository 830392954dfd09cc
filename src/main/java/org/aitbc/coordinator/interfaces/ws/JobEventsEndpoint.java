package org.aitbc.coordinator.interfaces.ws;

import jakarta.enterprise.inject.spi.CDI;
import jakarta.websocket.CloseReason;
import jakarta.websocket.EndpointConfig;
import jakarta.websocket.OnClose;
import jakarta.websocket.OnError;
import jakarta.websocket.OnMessage;
import jakarta.websocket.OnOpen;
import jakarta.websocket.Session;
import jakarta.websocket.server.ServerEndpoint;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * {@code ws://host/v1/jobs/ws}: real-time job events. One instance per connection; everything it
 * does is the {@link FeedHub}'s. The key comes from the {@code X-Api-Key} handshake header (see
 * {@link HandshakeKey}), else the {@code api_key} query parameter, else a first
 * {@code {"action": "auth"}} message.
 */
@ServerEndpoint(value = "/v1/jobs/ws", configurator = HandshakeKey.class)
public class JobEventsEndpoint {
    private static final Logger LOG = Logger.getLogger(JobEventsEndpoint.class.getName());

    /**
     * Looked up rather than injected: with a custom configurator Liberty creates endpoint instances
     * outside CDI, and field injection fails.
     */
    private final FeedHub hub = CDI.current().select(FeedHub.class).get();

    private FeedSession feed;

    @OnOpen
    public void open(Session session, EndpointConfig config) {
        Object header = config.getUserProperties().remove(HandshakeKey.PROPERTY);
        session.getUserProperties().remove(HandshakeKey.PROPERTY);
        Object address = config.getUserProperties().remove(HandshakeKey.ADDRESS);
        session.getUserProperties().remove(HandshakeKey.ADDRESS);
        String key = header instanceof String s ? s : null;
        if (key == null) {
            List<String> query = session.getRequestParameterMap().get("api_key");
            key = query == null || query.isEmpty() ? null : query.get(0);
        }
        feed = hub.open(session, key, address instanceof String a ? a : null);
    }

    @OnMessage(maxMessageSize = 16_384)
    public void message(String text) {
        hub.handle(feed, text);
    }

    @OnClose
    public void close(CloseReason reason) {
        hub.closed(feed);
    }

    @OnError
    public void error(Throwable t) {
        // Mostly clients that went away; the close that follows cleans up.
        LOG.log(Level.FINE, "WebSocket connection error", t);
    }
}
