package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A link that downloads a job's results without an API key until it expires or is revoked.
 * Only the SHA-256 of its token is stored; the token itself is in the URL handed out once.
 * Its expiry never passes the result's own.
 */
@Entity
@Table(name = "SHARE_LINK", indexes = @Index(name = "IX_SHARE_JOB", columnList = "JOB_ID"))
public class Share {
    @Id
    @Column(name = "ID", length = 40)
    private String id;

    @Column(name = "JOB_ID", nullable = false, length = 40)
    private String jobId;

    @Column(name = "TOKEN_HASH", nullable = false, unique = true, length = 64)
    private String tokenHash;

    @Column(name = "CREATED_MS", nullable = false)
    private long createdMs;

    @Column(name = "EXPIRES_MS", nullable = false)
    private long expiresMs;

    @Column(name = "REVOKED_MS")
    private Long revokedMs;

    protected Share() {}

    public Share(String id, String jobId, String tokenHash, Instant now, Instant expires) {
        this.id = id;
        this.jobId = jobId;
        this.tokenHash = tokenHash;
        this.createdMs = now.toEpochMilli();
        this.expiresMs = expires.toEpochMilli();
    }

    public void revoke(Instant now) {
        if (revokedMs == null) {
            revokedMs = now.toEpochMilli();
        }
    }

    public boolean isUsable(Instant now) {
        return revokedMs == null && expiresMs > now.toEpochMilli();
    }

    public String getId() {
        return id;
    }

    public String getJobId() {
        return jobId;
    }

    public Instant getCreatedAt() {
        return Instant.ofEpochMilli(createdMs);
    }

    public Instant getExpiresAt() {
        return Instant.ofEpochMilli(expiresMs);
    }

    public Instant getRevokedAt() {
        return revokedMs == null ? null : Instant.ofEpochMilli(revokedMs);
    }
}
