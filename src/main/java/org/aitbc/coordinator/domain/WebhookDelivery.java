package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.time.Duration;
import java.time.Instant;

/**
 * One event owed to one webhook. Recorded in the transaction that writes the event, so none is
 * lost; {@code pending} until a 2xx answer ({@code delivered}) or until the last allowed attempt
 * failed ({@code failed}). A sender claims a due row for a while ({@code CLAIM_UNTIL_MS}, by a
 * conditional update), so that one server sends it even when several poll the table; a claim of
 * a server that died runs out and the row is sent again (at least once).
 */
@Entity
@Table(
        name = "WEBHOOK_DELIVERY",
        indexes = {
            @Index(name = "IX_DELIVERY_DUE", columnList = "STATE, NEXT_AT_MS"),
            @Index(name = "IX_DELIVERY_HOOK", columnList = "WEBHOOK_ID, ID"),
            @Index(name = "IX_DELIVERY_ORDER", columnList = "WEBHOOK_ID, JOB_ID, STATE, EVENT_ID"),
            @Index(name = "IX_DELIVERY_ENDED", columnList = "ENDED_MS")
        })
public class WebhookDelivery {
    public static final String PENDING = "pending";
    public static final String DELIVERED = "delivered";
    public static final String FAILED = "failed";
    /** Never sent, for good: its account was revoked ({@link #notSent}); the reason is kept. */
    public static final String NOT_SENT = "not_sent";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "ID")
    private Long id;

    @Column(name = "WEBHOOK_ID", nullable = false, length = 40)
    private String webhookId;

    @Column(name = "JOB_ID", nullable = false, length = 40)
    private String jobId;

    @Column(name = "EVENT_ID", nullable = false)
    private long eventId;

    @Column(name = "EVENT_NAME", nullable = false, length = 32)
    private String eventName;

    @Column(name = "STATE", nullable = false, length = 16)
    private String state;

    @Column(name = "ATTEMPTS", nullable = false)
    private int attempts;

    @Column(name = "NEXT_AT_MS", nullable = false)
    private long nextAtMs;

    @Column(name = "CLAIM_UNTIL_MS", nullable = false)
    private long claimUntilMs;

    @Column(name = "CLAIMED_BY", length = 100)
    private String claimedBy;

    @Column(name = "CREATED_MS", nullable = false)
    private long createdMs;

    @Column(name = "DELIVERED_MS")
    private Long deliveredMs;

    @Column(name = "LAST_STATUS_CODE")
    private Integer lastStatusCode;

    @Column(name = "LAST_ERROR", length = 500)
    private String lastError;

    @Column(name = "REDELIVERY_OF")
    private Long redeliveryOf;

    /** When it stopped being pending (delivered, failed, not sent): the retention counts from here. */
    @Column(name = "ENDED_MS")
    private Long endedMs;

    protected WebhookDelivery() {}

    public WebhookDelivery(String webhookId, JobEvent e, String eventName, Instant now) {
        this(webhookId, e.getJobId(), e.getId(), eventName, now, null);
    }

    /** A delivery of an event known by id only (for tests of the rules). */
    WebhookDelivery(String webhookId, String jobId, long eventId, String eventName) {
        this(webhookId, jobId, eventId, eventName, Instant.EPOCH, null);
    }

    private WebhookDelivery(
            String webhookId, String jobId, long eventId, String eventName, Instant now, Long redeliveryOf) {
        this.webhookId = webhookId;
        this.jobId = jobId;
        this.eventId = eventId;
        this.eventName = eventName;
        this.state = PENDING;
        this.nextAtMs = now.toEpochMilli();
        this.createdMs = now.toEpochMilli();
        this.redeliveryOf = redeliveryOf;
    }

    /** A new pending delivery of the same event, sent at once with a fresh attempt budget. */
    public WebhookDelivery again(Instant now) {
        return new WebhookDelivery(webhookId, jobId, eventId, eventName, now, id);
    }

    /**
     * Records an attempt's outcome: delivered on a 2xx, else another try after the back-off, or
     * failed for good once {@code maxAttempts} attempts were made.
     */
    public void attempted(
            Integer statusCode, String error, Instant now, Duration base, Duration maxDelay, int maxAttempts) {
        attempts++;
        lastStatusCode = statusCode;
        lastError = error == null ? null : error.length() <= 500 ? error : error.substring(0, 500);
        claimUntilMs = 0;
        claimedBy = null;
        if (statusCode != null && statusCode >= 200 && statusCode < 300) {
            state = DELIVERED;
            deliveredMs = now.toEpochMilli();
            endedMs = deliveredMs;
        } else if (attempts >= maxAttempts) {
            state = FAILED;
            endedMs = now.toEpochMilli();
        } else {
            nextAtMs = now.plus(WebhookBackoff.delay(base, maxDelay, attempts)).toEpochMilli();
        }
    }

    /** Ends a pending delivery without sending it (again), keeping why; an ended one stays as it was. */
    public void notSent(String reason, Instant now) {
        if (!PENDING.equals(state)) {
            return;
        }
        state = NOT_SENT;
        lastError = reason.length() <= 500 ? reason : reason.substring(0, 500);
        claimUntilMs = 0;
        claimedBy = null;
        endedMs = now.toEpochMilli();
    }

    /** When it ended; null while pending (and for rows ended before this was recorded). */
    public Instant getEndedAt() {
        return endedMs == null ? null : Instant.ofEpochMilli(endedMs);
    }

    public Long getId() {
        return id;
    }

    public String getWebhookId() {
        return webhookId;
    }

    public String getJobId() {
        return jobId;
    }

    public long getEventId() {
        return eventId;
    }

    public String getEventName() {
        return eventName;
    }

    public String getState() {
        return state;
    }

    public int getAttempts() {
        return attempts;
    }

    public Instant getNextAt() {
        return Instant.ofEpochMilli(nextAtMs);
    }

    public Instant getCreatedAt() {
        return Instant.ofEpochMilli(createdMs);
    }

    public Instant getDeliveredAt() {
        return deliveredMs == null ? null : Instant.ofEpochMilli(deliveredMs);
    }

    public Integer getLastStatusCode() {
        return lastStatusCode;
    }

    public String getLastError() {
        return lastError;
    }

    public Long getRedeliveryOf() {
        return redeliveryOf;
    }
}
