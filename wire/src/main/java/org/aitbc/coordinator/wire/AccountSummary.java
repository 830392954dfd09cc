package org.aitbc.coordinator.wire;

import java.math.BigDecimal;

/**
 * The caller's account ({@code GET /v1/account}) or, for an admin, any client's after
 * {@code PUT /v1/admin/accounts/{id}/budget}: who it is and its month's money. {@code budget}
 * is absent for accounts that are not clients.
 */
public record AccountSummary(String accountId, String name, String role, String plan, Budget budget) {

    /**
     * A UTC month ({@code 2026-12}) of a client: its monthly budget (null: none) and whether it is
     * the account's own or its plan's ({@code source}), the cost of its jobs of the month that
     * ended ({@code spent}), that plus the estimates of those still active ({@code committed}),
     * and what is left to commit ({@code remaining}, null without a budget).
     */
    public record Budget(
            String month,
            BigDecimal monthly,
            String source,
            BigDecimal spent,
            BigDecimal committed,
            BigDecimal remaining) {}
}
