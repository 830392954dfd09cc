package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJBException;
import jakarta.ws.rs.ClientErrorException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import jakarta.ws.rs.ext.Provider;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseCircuit;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseFailures;
import org.aitbc.coordinator.infrastructure.persistence.TransientFailures;
import org.aitbc.coordinator.infrastructure.security.LogText;

/**
 * Turns every failure into the one error shape. Refusals keep their code, with the status of their
 * kind ({@link org.aitbc.coordinator.interfaces.mapping.ErrorStatus}); an unreachable database is
 * 503 {@code DATABASE_UNAVAILABLE} with Retry-After; anything unexpected is logged with a reference
 * and answered 500 without internals.
 */
final class ErrorMappers {
    private static final Logger LOG = Logger.getLogger(ErrorMappers.class.getName());
    /** When an outage was last logged: one line every few seconds, not one per request. */
    private static final AtomicLong OUTAGE_LOGGED_MS = new AtomicLong();

    private ErrorMappers() {}

    @Provider
    public static class Refusals implements ExceptionMapper<CoordinatorException> {
        @Override
        public Response toResponse(CoordinatorException e) {
            return Errors.response(e);
        }
    }

    @Provider
    public static class Http implements ExceptionMapper<WebApplicationException> {
        @Override
        public Response toResponse(WebApplicationException e) {
            int status = e.getResponse() == null ? 500 : e.getResponse().getStatus();
            return switch (status) {
                case 404 -> Errors.response(404, "NOT_FOUND", "no such route", null);
                case 405 -> Errors.response(405, "METHOD_NOT_ALLOWED", "this route does not accept that method", null);
                case 406 -> Errors.response(406, "NOT_ACCEPTABLE", "this route answers in JSON", null);
                case 415 ->
                    Errors.response(
                            415, "UNSUPPORTED_MEDIA_TYPE", "send a JSON body (Content-Type: application/json)", null);
                default ->
                    e instanceof ClientErrorException
                            ? Errors.response(status, "BAD_REQUEST", "the request could not be understood", null)
                            : unexpected(e);
            };
        }
    }

    @Provider
    public static class Unexpected implements ExceptionMapper<Throwable> {
        @Override
        public Response toResponse(Throwable e) {
            Throwable cause = e;
            while (cause instanceof EJBException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof CoordinatorException ce) {
                return Errors.response(ce);
            }
            if (DatabaseFailures.isUnavailable(e)) {
                return databaseUnavailable(e);
            }
            if (TransientFailures.isConflict(e)) {
                // A concurrent change won a lock or version check: nothing was changed; retrying works.
                return Response.fromResponse(Errors.response(
                                503,
                                "CONFLICT_RETRY",
                                "a concurrent change got there first; nothing was changed, retry the request",
                                null))
                        .header("Retry-After", 1)
                        .build();
            }
            return unexpected(e);
        }
    }

    static Response databaseUnavailable(Throwable e) {
        // Later requests are answered at once until the database is back (DatabaseGate).
        DatabaseCircuit.INSTANCE.failed();
        long now = System.currentTimeMillis();
        long last = OUTAGE_LOGGED_MS.get();
        if (now - last > 10_000 && OUTAGE_LOGGED_MS.compareAndSet(last, now)) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            LOG.warning("the database is unreachable; answering 503 until it is back: " + root);
        }
        return Response.fromResponse(Errors.response(
                        503,
                        "DATABASE_UNAVAILABLE",
                        "the coordinator cannot reach its database right now; retry in a few seconds",
                        null))
                .header("Retry-After", 5)
                .build();
    }

    static Response unexpected(Throwable e) {
        String ref = UUID.randomUUID().toString();
        // Written out here rather than by the log handler, so that a message carrying client text
        // (an exception that quotes its input) is escaped and cannot forge log lines.
        StringBuilder b = new StringBuilder("unexpected failure, reference ").append(ref);
        int depth = 0;
        for (Throwable t = e; t != null && depth < 10; t = t.getCause() == t ? null : t.getCause(), depth++) {
            b.append(depth == 0 ? "\n" : "\nCaused by: ")
                    .append(t.getClass().getName())
                    .append(": ")
                    .append(LogText.of(t.getMessage()));
            for (StackTraceElement frame : t.getStackTrace()) {
                b.append("\n\tat ").append(frame);
            }
        }
        LOG.severe(b.toString());
        return Errors.response(
                500, "INTERNAL_ERROR", "the coordinator could not complete the request (reference " + ref + ")", null);
    }
}
