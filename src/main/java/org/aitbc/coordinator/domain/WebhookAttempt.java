package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.time.Instant;

/** One try of a delivery and the receiver's answer (its status code, or why there was none). */
@Entity
@Table(name = "WEBHOOK_ATTEMPT", indexes = @Index(name = "IX_ATTEMPT_DELIVERY", columnList = "DELIVERY_ID, ID"))
public class WebhookAttempt {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "ID")
    private Long id;

    @Column(name = "DELIVERY_ID", nullable = false)
    private long deliveryId;

    @Column(name = "ATTEMPT", nullable = false)
    private int attempt;

    @Column(name = "AT_MS", nullable = false)
    private long atMs;

    @Column(name = "STATUS_CODE")
    private Integer statusCode;

    @Column(name = "ERROR", length = 500)
    private String error;

    @Column(name = "DURATION_MS", nullable = false)
    private long durationMs;

    protected WebhookAttempt() {}

    public WebhookAttempt(long deliveryId, int attempt, Instant at, Integer statusCode, String error, long durationMs) {
        this.deliveryId = deliveryId;
        this.attempt = attempt;
        this.atMs = at.toEpochMilli();
        this.statusCode = statusCode;
        this.error = error == null ? null : error.length() <= 500 ? error : error.substring(0, 500);
        this.durationMs = durationMs;
    }

    public long getDeliveryId() {
        return deliveryId;
    }

    public int getAttempt() {
        return attempt;
    }

    public Instant getAt() {
        return Instant.ofEpochMilli(atMs);
    }

    public Integer getStatusCode() {
        return statusCode;
    }

    public String getError() {
        return error;
    }

    public long getDurationMs() {
        return durationMs;
    }
}
