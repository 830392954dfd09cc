package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJBException;
import java.util.function.Supplier;
import org.aitbc.coordinator.infrastructure.persistence.TransientFailures;

/**
 * Runs a use case again when its transaction lost a lock or version race (deadlock victim,
 * serialization failure): the transaction rolled back, so a rerun sees the winner's result and
 * decides afresh. After the last try the conflict is answered 503 with Retry-After.
 */
final class Retry {
    private static final int TRIES = 4;

    private Retry() {
    }

    static <T> T onConflict(Supplier<T> useCase) {
        for (int attempt = 1; ; attempt++) {
            try {
                return useCase.get();
            } catch (EJBException e) {
                if (attempt >= TRIES || !TransientFailures.isConflict(e)) {
                    throw e;
                }
                try {
                    Thread.sleep(5L * attempt + (long) (Math.random() * 10));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }
}
