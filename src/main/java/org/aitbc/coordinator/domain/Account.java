package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An API key's owner. Only the SHA-256 of the key is stored: the key itself is shown once, when
 * the account is created, and cannot be recovered. A revoked account keeps its row (its jobs
 * still name it) but its key no longer authenticates.
 */
@Entity
@Table(name = "ACCOUNT")
public class Account {
    @Id
    @Column(name = "ID", length = 40)
    private String id;

    @Column(name = "NAME", nullable = false, length = 200)
    private String name;

    @Enumerated(EnumType.STRING)
    @Column(name = "ROLE", nullable = false, length = 16)
    private Role role;

    @Enumerated(EnumType.STRING)
    @Column(name = "PLAN", length = 16)
    private Plan plan;

    @Column(name = "KEY_HASH", nullable = false, unique = true, length = 64)
    private String keyHash;

    @Column(name = "CREATED_MS", nullable = false)
    private long createdMs;

    @Column(name = "REVOKED_MS")
    private Long revokedMs;

    /** The account's own monthly budget (AITBC per UTC month); null: its plan's default, if any. */
    @Column(name = "MONTHLY_BUDGET", precision = 19, scale = 6)
    private java.math.BigDecimal monthlyBudget;

    protected Account() {}

    public Account(String id, String name, Role role, Plan plan, String keyHash, Instant now) {
        this.id = id;
        this.name = name;
        this.role = role;
        this.plan = role == Role.CLIENT ? (plan == null ? Plan.FREE : plan) : null;
        this.keyHash = keyHash;
        this.createdMs = now.toEpochMilli();
    }

    public void revoke(Instant now) {
        if (revokedMs == null) {
            revokedMs = now.toEpochMilli();
        }
    }

    /** Sets (or, with null, removes) the account's own monthly budget. */
    public void setMonthlyBudget(java.math.BigDecimal amount) {
        monthlyBudget = amount == null ? null : amount.setScale(Pricing.SCALE, java.math.RoundingMode.HALF_UP);
    }

    public java.math.BigDecimal getMonthlyBudget() {
        return monthlyBudget;
    }

    public boolean isRevoked() {
        return revokedMs != null;
    }

    public String getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public Role getRole() {
        return role;
    }

    public Plan getPlan() {
        return plan;
    }

    public String getKeyHash() {
        return keyHash;
    }

    public Instant getCreatedAt() {
        return Instant.ofEpochMilli(createdMs);
    }

    public Instant getRevokedAt() {
        return revokedMs == null ? null : Instant.ofEpochMilli(revokedMs);
    }
}
