package org.aitbc.coordinator.application;

import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Role;

/**
 * Who is calling: the account behind the API key. {@code keyHash} identifies the key for rate
 * limiting without holding the key itself.
 */
public record Caller(String accountId, String name, Role role, Plan plan, String keyHash) {
    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
