package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * An endpoint a client registered to be told of its jobs' events: all of its jobs, or one
 * ({@code jobId}; a {@code callback_url} at submission is such a one-job webhook). The signing
 * secret is kept sealed (encrypted with the server's webhook key), because signing needs it back;
 * it leaves the server only in the answer that created the webhook.
 */
@Entity
@Table(name = "WEBHOOK", indexes = @Index(name = "IX_WEBHOOK_CLIENT", columnList = "CLIENT_ID"))
public class Webhook {
    @Id
    @Column(name = "ID", length = 40)
    private String id;

    @Column(name = "CLIENT_ID", nullable = false, length = 40)
    private String clientId;

    @Column(name = "URL", nullable = false, length = 2048)
    private String url;

    /** The subscribed event names, comma-separated. */
    @Column(name = "EVENTS", nullable = false, length = 200)
    private String events;

    @Column(name = "JOB_ID", length = 40)
    private String jobId;

    @Column(name = "SEALED_SECRET", nullable = false, length = 400)
    private String sealedSecret;

    @Column(name = "CREATED_MS", nullable = false)
    private long createdMs;

    protected Webhook() {}

    public Webhook(
            String id,
            String clientId,
            String url,
            Set<String> events,
            String jobId,
            String sealedSecret,
            Instant now) {
        this.id = id;
        this.clientId = clientId;
        this.url = url;
        // Kept in the documented order, whatever order they were given in.
        this.events = String.join(
                ",", WebhookEvents.ALL.stream().filter(events::contains).toList());
        this.jobId = jobId;
        this.sealedSecret = sealedSecret;
        this.createdMs = now.toEpochMilli();
    }

    /** Whether this webhook follows the event's job (its client's jobs, or the one job it names). */
    public boolean follows(JobEvent e) {
        return clientId.equals(e.getClientId()) && (jobId == null || jobId.equals(e.getJobId()));
    }

    public String getId() {
        return id;
    }

    public String getClientId() {
        return clientId;
    }

    public String getUrl() {
        return url;
    }

    public Set<String> getEvents() {
        return new LinkedHashSet<>(Arrays.asList(events.split(",")));
    }

    public String getJobId() {
        return jobId;
    }

    public String getSealedSecret() {
        return sealedSecret;
    }

    public Instant getCreatedAt() {
        return Instant.ofEpochMilli(createdMs);
    }
}
