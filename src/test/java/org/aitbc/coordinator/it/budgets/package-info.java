/** Spending caps: a job's max_cost and an account's monthly budget. */
package org.aitbc.coordinator.it.budgets;
