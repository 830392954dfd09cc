package org.aitbc.coordinator.interfaces.mapping;

import org.aitbc.coordinator.application.Budgets;
import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.wire.AccountSummary;

/** An account and its month as the API shows them ({@code GET /v1/account}, the admin's budget answer). */
public final class AccountViews {
    private AccountViews() {}

    public static AccountSummary summary(String id, String name, Role role, Plan plan, Budgets.Month month) {
        return new AccountSummary(
                id,
                name,
                role.wire(),
                plan == null ? null : plan.wire(),
                month == null
                        ? null
                        : new AccountSummary.Budget(
                                month.month(),
                                month.monthly(),
                                month.source(),
                                month.spent(),
                                month.committed(),
                                month.remaining()));
    }
}
