package org.aitbc.coordinator.interfaces.rest;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.NotSupportedException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.ext.Provider;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.util.Arrays;
import org.aitbc.coordinator.application.CoordinatorException;

/**
 * Checks how a request's body is framed and typed before a resource reads it.
 *
 * <ul>
 *   <li>A {@code Content-Length} that is not a whole number of bytes ({@code -1}, {@code x}) is
 *       400: read as "no body", it would store an empty file or act on an empty request.
 *   <li>JSON routes (a resource method that reads its body as a stream and declares no
 *       {@code @Consumes} of its own; the one raw upload declares its own) take {@code
 *       application/json} with or without a charset, and a body without Content-Type (older
 *       clients). They also take {@code application/x-www-form-urlencoded}: it is what {@code
 *       curl -d} sends when no type is given, as in the README's and the guide's examples, and
 *       the body is still parsed as JSON, so a real form body is 400 MALFORMED_JSON. Any other
 *       type is 415 UNSUPPORTED_MEDIA_TYPE, rather than reading XML or text as if it were JSON.
 * </ul>
 */
@Provider
@Priority(Priorities.HEADER_DECORATOR)
public class BodyChecks implements ContainerRequestFilter {
    @Context
    ResourceInfo resourceInfo;

    @Override
    public void filter(ContainerRequestContext request) {
        String length = request.getHeaderString("Content-Length");
        if (length != null && !length.trim().matches("\\d{1,18}")) {
            throw CoordinatorException.badParameter("Content-Length", "must be a whole number of bytes");
        }
        Method method = resourceInfo.getResourceMethod();
        if (method == null || !readsJson(method)) {
            return;
        }
        MediaType type;
        try {
            type = request.getMediaType();
        } catch (RuntimeException e) {
            // A Content-Type that is not a media type at all.
            throw new NotSupportedException();
        }
        if (type == null
                || (type.getType().equalsIgnoreCase("application")
                        && (type.getSubtype().equalsIgnoreCase("json")
                                || type.getSubtype().equalsIgnoreCase("x-www-form-urlencoded")))) {
            return;
        }
        throw new NotSupportedException();
    }

    private static boolean readsJson(Method method) {
        if (method.isAnnotationPresent(Consumes.class)) {
            return false;
        }
        return Arrays.stream(method.getParameters())
                .anyMatch(p -> p.getType() == InputStream.class && p.getAnnotations().length == 0);
    }
}
