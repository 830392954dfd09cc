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
import java.util.List;
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
    static final String START = RequestMetrics.class.getName() + ".start";
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
        String route = route(method);
        String verb = verb(request.getMethod());
        metrics.answered(verb, route, response.getStatus(), System.nanoTime() - t0);
    }

    /** The route template of a matched resource method, or {@code unmatched}. */
    static String route(Method method) {
        return method == null ? "unmatched" : ROUTES.computeIfAbsent(method, RequestMetrics::template);
    }

    /**
     * Root resources with sub-resource locators ({@code @Path} methods without an HTTP method):
     * their sub-resources' routes start with the locator's template.
     */
    private static final List<Class<?>> LOCATOR_ROOTS = List.of(JobResource.class);

    /**
     * The class's and the method's {@code @Path}, joined: the route as the resources declare it. A
     * sub-resource (a class without {@code @Path}) gets its locator's route in front.
     */
    static String template(Method method) {
        Class<?> type = method.getDeclaringClass();
        String route = join(type.getAnnotation(Path.class), method.getAnnotation(Path.class));
        if (type.getAnnotation(Path.class) == null) {
            for (Class<?> root : LOCATOR_ROOTS) {
                for (Method locator : root.getMethods()) {
                    if (locator.getReturnType() == type && locator.isAnnotationPresent(Path.class)) {
                        route = join(root.getAnnotation(Path.class), locator.getAnnotation(Path.class))
                                + ("/".equals(route) ? "" : route);
                    }
                }
            }
        }
        // A template's regular expressions ({path: .+}) are dropped: the name is what operators read.
        return route.replaceAll("\\{\\s*([A-Za-z0-9_]+)\\s*:[^}]*}", "{$1}");
    }

    private static String join(Path... paths) {
        StringBuilder route = new StringBuilder();
        for (Path p : paths) {
            if (p != null) {
                String part = p.value().replaceAll("^/+|/+$", "");
                if (!part.isEmpty()) {
                    route.append('/').append(part);
                }
            }
        }
        return route.length() == 0 ? "/" : route.toString();
    }

    /** Only the methods the API answers become labels; anything else is {@code other}. */
    static String verb(String method) {
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
