package org.aitbc.coordinator.container;

import com.ibm.wsspi.http.HttpContainer;
import com.ibm.wsspi.http.HttpInboundConnection;
import com.ibm.wsspi.http.HttpOutputStream;
import com.ibm.wsspi.http.HttpResponse;
import com.ibm.wsspi.http.VirtualHost;
import com.ibm.wsspi.http.VirtualHostListener;
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
 *
 * <p>Being asked first, it also covers the moments when the port is open and no application serves
 * it: while the server starts, before the coordinator's context root is added, and while it stops,
 * after the root is removed. The web container would answer those with its HTML 404 page, which
 * no client retries, so a rolling restart behind a load balancer lost requests. The guard answers
 * them 503 {@code SERVER_STARTING} with {@code Retry-After}, in the error shape. It learns of the
 * coordinator's root ({@link #APP_ROOT}) coming and going as a {@link VirtualHostListener}.
 */
public final class PathGuard implements HttpContainer, VirtualHostListener {

    /** The guard's own context root on each host: never an application's (the web container keeps its roots apart). */
    static final String CONTEXT_ROOT = "/.aitbc-path-guard";

    private static final Logger LOG = Logger.getLogger(PathGuard.class.getName());

    private static final byte[] BODY = ("{\"error\":{\"status\":400,\"code\":\"MALFORMED_PATH\","
                    + "\"message\":\"the request path cannot be decoded: check it for a '%' without two hex digits,"
                    + " an encoded NUL, ';' after a '.' or '..' segment, or '..' above the root\","
                    + "\"fields\":[{\"field\":\"path\",\"message\":\"cannot be decoded\"}]}}")
            .getBytes(StandardCharsets.UTF_8);

    private static final byte[] STARTING = ("{\"error\":{\"status\":503,\"code\":\"SERVER_STARTING\","
                    + "\"message\":\"the server is starting or stopping and serves no request yet; retry after the"
                    + " seconds in Retry-After\"}}")
            .getBytes(StandardCharsets.UTF_8);

    /** Seconds a client is asked to wait while no application serves the host. */
    static final String RETRY_AFTER = "2";

    private final Set<VirtualHost> hosts = ConcurrentHashMap.newKeySet();

    /**
     * The coordinator's context root (server.xml's webApplication). Only it counts: the roots of
     * the runtime's own endpoints (/metrics, /health, /openapi) are added before it.
     */
    static final String APP_ROOT = "/";

    /** Hosts that now serve the coordinator's root. */
    private final Set<String> serving = ConcurrentHashMap.newKeySet();

    @Override
    public void contextRootAdded(String contextRoot, VirtualHost host) {
        if (isAppRoot(contextRoot)) {
            serving.add(host.getName());
        }
    }

    @Override
    public void contextRootRemoved(String contextRoot, VirtualHost host) {
        if (isAppRoot(contextRoot)) {
            serving.remove(host.getName());
        }
    }

    /** The web container announces an application's root as a pattern: {@code /*} for {@code /}. */
    static boolean isAppRoot(String announced) {
        return APP_ROOT.equals(announced) || (APP_ROOT + "*").equals(announced);
    }

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
        if (problem != null) {
            return () -> refuse(connection, 400, "Bad Request", BODY, problem);
        }
        if (serving.isEmpty()) {
            return () -> refuse(connection, 503, "Service Unavailable", STARTING, "no application started yet");
        }
        return null;
    }

    private static void refuse(
            HttpInboundConnection connection, int status, String reason, byte[] answer, String problem) {
        Exception failure = null;
        try {
            HttpResponse response = connection.getResponse();
            response.setStatus(status);
            response.setReason(reason);
            response.setHeader("Content-Type", "application/json");
            response.setHeader("Cache-Control", "no-store");
            if (status == 503) {
                response.setHeader("Retry-After", RETRY_AFTER);
            }
            // The body of such a request is never read: the connection is not reused for another request.
            response.setHeader("Connection", "close");
            response.setContentLength(answer.length);
            HttpOutputStream body = response.getBody();
            body.write(answer);
            body.close();
            LOG.log(Level.FINE, "refused a request ({0}): {1}", new Object[] {status, problem});
        } catch (IOException | RuntimeException e) {
            failure = e;
        } finally {
            connection.finish(failure);
        }
    }
}
