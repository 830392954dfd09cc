package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;
import java.math.BigDecimal;

/**
 * What a job costs its client: the hourly rate and priority multiplier fixed at submission, the
 * estimate shown then, the cost of the run once the job ends ({@link Pricing#compute} over the
 * seconds it ran), and the storage charge added when its results are deleted. Part of
 * {@link Job}'s row, changed only by the job's methods.
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

    /** The job ended after running {@code ranSeconds} (0 if it never started). */
    void chargeRun(int gpuCount, long ranSeconds) {
        cost = Pricing.compute(ratePerHour, gpuCount, ranSeconds, priceMultiplier);
    }

    /** Adds the storage charge; once. */
    void chargeStorage(BigDecimal amount) {
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
}
