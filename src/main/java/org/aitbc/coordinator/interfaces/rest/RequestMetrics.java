package org.aitbc.coordinator.interfaces.rest;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.PreMatching;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.ext.Provider;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.aitbc.coordinator.infrastructure.observability.HttpMetrics;

/**
 * Times every REST request, from before matching (so that refusals by the auth filter count too)
 * to its answer's status, and records it under the matched resource method's route template
 * ({@code /v1/jobs/{id}}), never the raw path, so that ids never become labels. A streamed body
 * (downloads, exports) is timed to its first byte, not its last.
 */
@Provider
@PreMatching
@Priority(1)
public class RequestMetrics implements ContainerRequestFilter, ContainerResponseFilter {
    private static final String START = RequestMetrics.class.getName() + ".start";
    private static final Map<Method, String> ROUTES = new ConcurrentHashMap<>();

    @Context
    ResourceInfo resourceInfo;

    @Inject
    HttpMetrics metrics;

    @Override
    public void filter(ContainerRequestContext request) {
        request.setProperty(START, System.nanoTime());
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        Object start = request.getProperty(START);
        if (!(start instanceof Long t0)) {
            return;
        }
        Method method = resourceInfo == null ? null : resourceInfo.getResourceMethod();
        String route = method == null
                ? "unmatched"
                : ROUTES.computeIfAbsent(method, m -> template(resourceInfo.getResourceClass(), m));
        String verb = verb(request.getMethod());
        metrics.answered(verb, route, response.getStatus(), System.nanoTime() - t0);
    }

    /** The class's and the method's {@code @Path}, joined: the route as the resources declare it. */
    static String template(Class<?> type, Method method) {
        StringBuilder route = new StringBuilder();
        Path onType = type == null ? null : type.getAnnotation(Path.class);
        Path onMethod = method.getAnnotation(Path.class);
        for (Path p : new Path[] {onType, onMethod}) {
            if (p != null) {
                String part = p.value().replaceAll("^/+|/+$", "");
                if (!part.isEmpty()) {
                    route.append('/').append(part);
                }
            }
        }
        // A template's regular expressions ({path: .+}) are dropped: the name is what operators read.
        return route.length() == 0 ? "/" : route.toString().replaceAll("\\{\\s*([A-Za-z0-9_]+)\\s*:[^}]*}", "{$1}");
    }

    /** Only the methods the API answers become labels; anything else is {@code other}. */
    private static String verb(String method) {
        return switch (method) {
            case HttpMethod.GET,
                    HttpMethod.POST,
                    HttpMethod.PUT,
                    HttpMethod.DELETE,
                    HttpMethod.HEAD,
                    HttpMethod.PATCH,
                    HttpMethod.OPTIONS -> method;
            default -> "other";
        };
    }
}
