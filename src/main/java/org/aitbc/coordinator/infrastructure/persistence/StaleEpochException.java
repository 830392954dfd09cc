package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.ejb.ApplicationException;

/**
 * A leader's write was refused because its epoch is no longer the lease's: another server took
 * the leadership over (this one was paused, cut off or too slow to renew). Nothing was written.
 */
@ApplicationException(rollback = true)
public class StaleEpochException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StaleEpochException(String name, long epoch) {
        super("epoch " + epoch + " of " + name + " is stale: another server leads now");
    }
}
