package org.aitbc.coordinator.interfaces.rest;

import jakarta.annotation.Priority;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.ext.Provider;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseCircuit;

/**
 * Answers 503 {@code DATABASE_UNAVAILABLE} at once, before authentication, while this server's
 * {@link DatabaseCircuit} is open (the database was found unreachable and has not answered since),
 * instead of letting every request wait for its own connection attempt to fail. The server's
 * leadership renewal closes the circuit within one renewal period of the database's return.
 */
@Provider
@Priority(Priorities.AUTHENTICATION - 100)
public class DatabaseGate implements ContainerRequestFilter {
    @Override
    public void filter(ContainerRequestContext request) {
        if (DatabaseCircuit.INSTANCE.isOpen()) {
            throw new CoordinatorException(
                    Kind.UNAVAILABLE,
                    "DATABASE_UNAVAILABLE",
                    "the coordinator cannot reach its database right now; retry in a few seconds",
                    null,
                    5L);
        }
    }
}
