package org.aitbc.coordinator.wire;

import java.math.BigDecimal;

/**
 * What a job would cost and take if submitted now ({@code POST /v1/jobs/estimate}): the same
 * {@code estimated_cost} and {@code estimated_time_seconds} the submission's answer would carry.
 */
public record JobEstimate(BigDecimal estimatedCost, long estimatedTimeSeconds) {}
