package org.aitbc.coordinator.wire;

import java.math.BigDecimal;
import java.util.Map;

/**
 * A client's statistics (an admin's cover everyone): jobs by status (every status present, zero
 * included), {@code success_rate} = completed ÷ (completed + failed + canceled) as a fraction
 * from 0 to 1 (null before any job ended), average start-to-completion seconds of completed
 * jobs, and the total spent in AITBC.
 */
public record JobStats(
        long totalJobs,
        Map<String, Long> byStatus,
        Double successRate,
        Double averageCompletionSeconds,
        BigDecimal totalSpent,
        String from,
        String to) {}
