package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import java.math.BigDecimal;

/**
 * What a job costs its client: the hourly rate and priority multiplier fixed at submission, the
 * estimate shown then, the cost of the run once the job ends ({@link Pricing#compute} over the
 * seconds it ran), and the storage charge added when its results are deleted. Part of
 * {@link Job}'s row, changed only by the job's methods.
 *
 * <p>{@code maxCost}, when the client set one, caps the whole bill: the run's charge and the
 * storage charge together never exceed it. The seconds charged are the billable ones only: the
 * job passes zero for an attempt that ended by its miner's fault ({@link JobAttempt}).
 */
@Embeddable
public class Billing {
    @Column(name = "RATE_PER_HOUR", nullable = false, precision = 19, scale = 6)
    private BigDecimal ratePerHour;

    @Column(name = "PRICE_MULTIPLIER", nullable = false, precision = 19, scale = 6)
    private BigDecimal priceMultiplier;

    @Column(name = "ESTIMATED_SECONDS", nullable = false)
    private long estimatedSeconds;

    @Column(name = "ESTIMATED_COST", nullable = false, precision = 19, scale = 6)
    private BigDecimal estimatedCost;

    @Column(name = "COST", precision = 19, scale = 6)
    private BigDecimal cost;

    /** The part of {@link #cost} that paid for keeping the results, charged when they are deleted. */
    @Column(name = "STORAGE_COST", precision = 19, scale = 6)
    private BigDecimal storageCost;

    /** The most the client agreed to pay for this job (its {@code max_cost}); null for no cap. */
    @Column(name = "MAX_COST", precision = 19, scale = 6)
    private BigDecimal maxCost;

    protected Billing() {}

    /** The terms of a new job and the estimate they give for {@code estimatedSeconds} of run time. */
    static Billing quote(BigDecimal ratePerHour, BigDecimal multiplier, int gpuCount, long estimatedSeconds) {
        Billing b = new Billing();
        b.ratePerHour = ratePerHour;
        b.priceMultiplier = multiplier;
        b.estimatedSeconds = estimatedSeconds;
        b.estimatedCost = Pricing.compute(ratePerHour, gpuCount, estimatedSeconds, multiplier);
        return b;
    }

    void capAt(BigDecimal max) {
        maxCost = max == null ? null : max.setScale(Pricing.SCALE, java.math.RoundingMode.HALF_UP);
    }

    /** What {@code seconds} of run time cost at this job's terms, before any cap. */
    BigDecimal runCost(int gpuCount, long seconds) {
        return Pricing.compute(ratePerHour, gpuCount, seconds, priceMultiplier);
    }

    /** True when {@code seconds} of run time cost {@code max_cost} or more. */
    boolean reachesCap(int gpuCount, long seconds) {
        return maxCost != null && runCost(gpuCount, seconds).compareTo(maxCost) >= 0;
    }

    /** The job ended after {@code billableSeconds} of billable run time (0 if none). */
    void chargeRun(int gpuCount, long billableSeconds) {
        cost = capped(runCost(gpuCount, billableSeconds));
    }

    private BigDecimal capped(BigDecimal amount) {
        return maxCost != null && amount.compareTo(maxCost) > 0 ? maxCost : amount;
    }

    /** Adds the storage charge; once, and only as far as {@code max_cost} leaves room. */
    void chargeStorage(BigDecimal requested) {
        BigDecimal run = cost == null ? BigDecimal.ZERO.setScale(Pricing.SCALE) : cost;
        BigDecimal amount = maxCost == null
                ? requested
                : requested.min(maxCost.subtract(run).max(BigDecimal.ZERO));
        if (storageCost == null && amount.signum() > 0) {
            storageCost = amount;
            cost = (cost == null ? BigDecimal.ZERO.setScale(Pricing.SCALE) : cost).add(amount);
        }
    }

    BigDecimal ratePerHour() {
        return ratePerHour;
    }

    BigDecimal priceMultiplier() {
        return priceMultiplier;
    }

    long estimatedSeconds() {
        return estimatedSeconds;
    }

    BigDecimal estimatedCost() {
        return estimatedCost;
    }

    BigDecimal cost() {
        return cost;
    }

    BigDecimal storageCost() {
        return storageCost;
    }

    BigDecimal maxCost() {
        return maxCost;
    }
}
