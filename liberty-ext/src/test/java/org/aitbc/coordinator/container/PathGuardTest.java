package org.aitbc.coordinator.container;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.ibm.wsspi.http.HttpInboundConnection;
import com.ibm.wsspi.http.HttpRequest;
import com.ibm.wsspi.http.VirtualHost;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.Test;

/**
 * When the guard answers for the web container: undecodable paths always, and every request while
 * the coordinator's root is not served (starting, stopping), as the roots Liberty announced it.
 */
class PathGuardTest {

    @Test
    void theCoordinatorsRootIsAnnouncedAsAPattern() {
        assertTrue(PathGuard.isAppRoot("/*"));
        assertTrue(PathGuard.isAppRoot("/"));
        assertFalse(PathGuard.isAppRoot("/metrics/*"));
        assertFalse(PathGuard.isAppRoot("/health/*"));
        assertFalse(PathGuard.isAppRoot(PathGuard.CONTEXT_ROOT));
    }

    @Test
    void everyRequestIsAnsweredUntilTheCoordinatorsRootIsServedAndAgainAfterItIsRemoved() {
        PathGuard guard = new PathGuard();
        VirtualHost host = host("default_host");
        assertNotNull(guard.createRunnableHandler(request("/v1/jobs")), "starting: 503");
        guard.contextRootAdded("/metrics/*", host);
        guard.contextRootAdded("/health/*", host);
        assertNotNull(guard.createRunnableHandler(request("/health/ready")), "the runtime's roots are not the app");
        guard.contextRootAdded("/*", host);
        assertNull(guard.createRunnableHandler(request("/v1/jobs")), "started: the web container serves it");
        assertNull(guard.createRunnableHandler(request("/health/ready")));
        assertNotNull(guard.createRunnableHandler(request("/v1/jobs/%zz")), "undecodable: still refused");
        guard.contextRootRemoved("/*", host);
        assertNotNull(guard.createRunnableHandler(request("/v1/jobs")), "stopping: 503 again");
    }

    private static VirtualHost host(String name) {
        return (VirtualHost) Proxy.newProxyInstance(
                VirtualHost.class.getClassLoader(),
                new Class<?>[] {VirtualHost.class},
                (p, m, a) -> m.getName().equals("getName") ? name : null);
    }

    private static HttpInboundConnection request(String uri) {
        HttpRequest request = (HttpRequest) Proxy.newProxyInstance(
                HttpRequest.class.getClassLoader(),
                new Class<?>[] {HttpRequest.class},
                (p, m, a) -> m.getName().equals("getURI") ? uri : null);
        return (HttpInboundConnection) Proxy.newProxyInstance(
                HttpInboundConnection.class.getClassLoader(),
                new Class<?>[] {HttpInboundConnection.class},
                (p, m, a) -> m.getName().equals("getRequest") ? request : null);
    }
}
