package org.aitbc.coordinator.interfaces.rest;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.ext.Provider;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseCircuit;

/**
 * Answers 503 {@code DATABASE_UNAVAILABLE} at once, before authentication, while this server's
 * {@link DatabaseCircuit} is open (the database was found unreachable moments ago), instead of
 * letting every request wait for its own connection attempt to fail. One request per second
 * still goes through as a probe; when it gets an answer that is not a database failure, the
 * circuit closes.
 */
@Provider
@Priority(Priorities.AUTHENTICATION - 100)
public class DatabaseGate implements ContainerRequestFilter, ContainerResponseFilter {
    private static final String PROBE = DatabaseGate.class.getName() + ".probe";

    @Override
    public void filter(ContainerRequestContext request) {
        DatabaseCircuit circuit = DatabaseCircuit.INSTANCE;
        if (!circuit.isOpen()) {
            return;
        }
        if (circuit.allows()) {
            request.setProperty(PROBE, Boolean.TRUE);
            return;
        }
        throw new CoordinatorException(
                Kind.UNAVAILABLE,
                "DATABASE_UNAVAILABLE",
                "the coordinator cannot reach its database right now; retry in a few seconds",
                null,
                5L);
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        if (request.getProperty(PROBE) != null && response.getStatus() < 500) {
            DatabaseCircuit.INSTANCE.succeeded();
        }
    }
}
