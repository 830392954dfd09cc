/**
 * JPA repositories over the aggregates, and what the database itself decides. Jobs: reads, row
 * locks and saves ({@code JobRepository}), their events and the change notice they fire
 * ({@code JobEventStore}, {@code JobsChanged}), the daily counters of ended jobs and the counts
 * built on them ({@code DailyCounters}), bulk lease changes ({@code JobLeases}). Besides: which
 * database this is and its own SQL ({@code SqlDialect}), cluster-wide locks for start-up work that
 * must happen once, and the classification of a failure as an unreachable database (503), a lost
 * race (retry) or a fault.
 */
package org.aitbc.coordinator.infrastructure.persistence;
