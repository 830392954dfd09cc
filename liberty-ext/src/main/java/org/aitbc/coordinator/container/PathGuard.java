package org.aitbc.coordinator.container;

import com.ibm.wsspi.http.HttpContainer;
import com.ibm.wsspi.http.HttpInboundConnection;
import com.ibm.wsspi.http.HttpOutputStream;
import com.ibm.wsspi.http.HttpResponse;
import com.ibm.wsspi.http.VirtualHost;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * An HTTP container that answers, in the API's error shape (SPEC §2a), the request paths Liberty's
 * web container would refuse with its own CWWWC0005I page ({@link UndecodablePath}), and declines
 * (null) every other request, which the web container then serves as before.
 *
 * <p>Its life: a Declarative Services component, created when the feature starts. It joins each
 * virtual host as the host is registered ({@link #addVirtualHost}), under a context root of its own
 * that no application uses. A virtual host asks its HTTP containers in the order they joined, and the
 * web container joins only when its first application starts, so the guard, whose bundle starts in
 * the CONTAINER_EARLY phase, is asked first. It leaves the hosts when the feature stops.
 */
public final class PathGuard implements HttpContainer {

    /** The guard's own context root on each host: never an application's (the web container keeps its roots apart). */
    static final String CONTEXT_ROOT = "/.aitbc-path-guard";

    private static final Logger LOG = Logger.getLogger(PathGuard.class.getName());

    private static final byte[] BODY = ("{\"error\":{\"status\":400,\"code\":\"MALFORMED_PATH\","
                    + "\"message\":\"the request path cannot be decoded: check it for a '%' without two hex digits,"
                    + " an encoded NUL, ';' after a '.' or '..' segment, or '..' above the root\","
                    + "\"fields\":[{\"field\":\"path\",\"message\":\"cannot be decoded\"}]}}")
            .getBytes(StandardCharsets.UTF_8);

    private final Set<VirtualHost> hosts = ConcurrentHashMap.newKeySet();

    protected void addVirtualHost(VirtualHost host) {
        hosts.add(host);
        host.addContextRoot(CONTEXT_ROOT, this);
    }

    protected void removeVirtualHost(VirtualHost host) {
        if (hosts.remove(host)) {
            host.removeContextRoot(CONTEXT_ROOT, this);
        }
    }

    protected void deactivate() {
        for (VirtualHost host : hosts) {
            removeVirtualHost(host);
        }
    }

    @Override
    public Runnable createRunnableHandler(HttpInboundConnection connection) {
        String uri = connection.getRequest().getURI();
        String problem = UndecodablePath.problem(uri);
        if (problem == null) {
            return null;
        }
        return () -> refuse(connection, problem);
    }

    private static void refuse(HttpInboundConnection connection, String problem) {
        Exception failure = null;
        try {
            HttpResponse response = connection.getResponse();
            response.setStatus(400);
            response.setReason("Bad Request");
            response.setHeader("Content-Type", "application/json");
            response.setHeader("Cache-Control", "no-store");
            // The body of such a request is never read: the connection is not reused for another request.
            response.setHeader("Connection", "close");
            response.setContentLength(BODY.length);
            HttpOutputStream body = response.getBody();
            body.write(BODY);
            body.close();
            LOG.log(Level.FINE, "refused an undecodable request path: {0}", problem);
        } catch (IOException | RuntimeException e) {
            failure = e;
        } finally {
            connection.finish(failure);
        }
    }
}
