package org.aitbc.coordinator.wire;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;

/**
 * Statistics per UTC day of submission, {@code from} to {@code to} inclusive, every day present
 * (zeros included) so that a chart needs no gap filling. Each day counts the jobs submitted that
 * day that have ended, by final status ({@code completed}, {@code failed}, {@code canceled}), and
 * what they cost; jobs still active are not counted until they end.
 */
public record DailyJobStats(String from, String to, List<Day> days) {

    /** One day: ended jobs by final status, their total, success rate, average completion and spend. */
    public record Day(
            String date,
            long totalJobs,
            Map<String, Long> byStatus,
            Double successRate,
            Double averageCompletionSeconds,
            BigDecimal spent) {}
}
