package org.aitbc.coordinator.application;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Account;
import org.aitbc.coordinator.domain.DailyStats;
import org.aitbc.coordinator.domain.Days;
import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Pricing;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.DailyCounters;
import org.aitbc.coordinator.infrastructure.persistence.Spending;

/**
 * Monthly budgets per account: the account's own ({@code PUT /v1/admin/accounts/{id}/budget}) or
 * its plan's default ({@code aitbc.budget.monthly.plans}). A month is a UTC calendar month, and a
 * job counts in the month it was submitted, as in {@code GET /v1/jobs/stats}: the month's
 * <em>spend</em> is the cost of its ended jobs (from the daily counters), and what is
 * <em>committed</em> adds the estimated cost of its jobs still active. A submission whose
 * estimate would take the committed sum past the budget is refused (402 {@code BUDGET_EXCEEDED}).
 * The check locks the account's row, so that two submissions of one account cannot both take the
 * last of its budget; accounts without a budget take no lock. Runs in the caller's transaction.
 */
@ApplicationScoped
public class Budgets {
    @Inject
    CoordinatorConfig config;

    @Inject
    DailyCounters counters;

    @Inject
    Spending spending;

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    /** The account's month: its budget (null: none) and where it comes from, spend and commitments. */
    public record Month(String month, BigDecimal monthly, String source, BigDecimal spent, BigDecimal committed) {
        /** What is left to commit this month; null without a budget. */
        public BigDecimal remaining() {
            return monthly == null ? null : monthly.subtract(committed).max(BigDecimal.ZERO.setScale(Pricing.SCALE));
        }
    }

    public Month month(String accountId, Plan plan, Instant now) {
        Account account = em.find(Account.class, accountId);
        return month(account, plan, now);
    }

    private Month month(Account account, Plan plan, Instant now) {
        BigDecimal own = account == null ? null : account.getMonthlyBudget();
        BigDecimal monthly = own != null ? own : config.monthlyBudget(plan).orElse(null);
        String source = own != null ? "account" : monthly != null ? "plan" : null;
        LocalDate first = LocalDate.ofInstant(now, ZoneOffset.UTC).withDayOfMonth(1);
        long fromDay = first.toEpochDay();
        long toDay = Days.epochDay(now.toEpochMilli());
        BigDecimal spent = BigDecimal.ZERO.setScale(Pricing.SCALE);
        String id = account == null ? null : account.getId();
        if (id != null) {
            for (DailyStats row : counters.dailyStats(id, fromDay, toDay)) {
                spent = spent.add(row.getSpent());
            }
        }
        BigDecimal committed = id == null ? spent : spent.add(spending.activeEstimates(id, Days.startMs(fromDay)));
        return new Month(
                first.toString().substring(0, 7),
                monthly == null ? null : monthly.setScale(Pricing.SCALE),
                source,
                spent,
                committed);
    }

    /**
     * Refuses (402 {@code BUDGET_EXCEEDED}) new jobs estimated at {@code estimates} in total when
     * they would take the caller's committed spend this month past its budget.
     */
    public void admit(Caller caller, BigDecimal estimates, Instant now) {
        Account account = em.find(Account.class, caller.accountId());
        if (account == null
                || (account.getMonthlyBudget() == null
                        && config.monthlyBudget(caller.plan()).isEmpty())) {
            return;
        }
        em.lock(account, LockModeType.PESSIMISTIC_WRITE);
        Month m = month(account, caller.plan(), now);
        BigDecimal after = m.committed().add(estimates);
        if (after.compareTo(m.monthly()) > 0) {
            throw new CoordinatorException(
                    Kind.PAYMENT_REQUIRED,
                    "BUDGET_EXCEEDED",
                    "the estimated cost " + estimates.toPlainString() + " would take this month's committed spend ("
                            + m.month() + ", UTC) to " + after.toPlainString() + ", past the monthly budget of "
                            + m.monthly().toPlainString() + "; " + m.remaining().toPlainString()
                            + " is left (committed: " + m.committed().toPlainString()
                            + ", of which spent: " + m.spent().toPlainString() + ")");
        }
    }
}
