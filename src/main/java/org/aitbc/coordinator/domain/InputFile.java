package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A client's uploaded input ({@code POST /v1/files}), from upload until nothing needs it. It
 * belongs to the client that uploaded it; jobs of that client name it as their input. Until its
 * {@link #getExpiresAt expiry} passes it is kept whatever happens; after that the retention purge
 * deletes it unless a job still holds it (a job not yet ended, or one whose results are still
 * stored), in which case the check is put off by another unused period. When the last holding
 * job's results are deleted the file's expiry is brought forward to then, so it goes with them.
 */
@Entity
@Table(name = "INPUT_FILE", indexes = @Index(name = "IX_INPUT_FILE_DUE", columnList = "EXPIRES_MS"))
public class InputFile {
    @Id
    @Column(name = "ID", length = 40)
    private String id;

    @Column(name = "CLIENT_ID", nullable = false, length = 40)
    private String clientId;

    @Column(name = "SIZE_BYTES", nullable = false)
    private long sizeBytes;

    @Column(name = "SHA256", nullable = false, length = 64)
    private String sha256;

    @Column(name = "CREATED_MS", nullable = false)
    private long createdMs;

    @Column(name = "EXPIRES_MS", nullable = false)
    private long expiresMs;

    /** Whether a job ever named it (then it lives as long as that job's results). */
    @Column(name = "USED", nullable = false)
    private boolean used;

    protected InputFile() {}

    public InputFile(String id, String clientId, long sizeBytes, String sha256, Instant now, Instant expiresAt) {
        this.id = id;
        this.clientId = clientId;
        this.sizeBytes = sizeBytes;
        this.sha256 = sha256;
        this.createdMs = now.toEpochMilli();
        this.expiresMs = expiresAt.toEpochMilli();
    }

    /** Whether the file is past its expiry and not yet used: as good as gone for a new job. */
    public boolean isExpiredUnused(Instant now) {
        return !used && expiresMs < now.toEpochMilli();
    }

    public void markUsed() {
        used = true;
    }

    /** Puts the next check of whether the file may go to {@code at}. */
    public void expireAt(Instant at) {
        expiresMs = at.toEpochMilli();
    }

    public String getId() {
        return id;
    }

    public String getClientId() {
        return clientId;
    }

    public long getSizeBytes() {
        return sizeBytes;
    }

    public String getSha256() {
        return sha256;
    }

    public Instant getCreatedAt() {
        return Instant.ofEpochMilli(createdMs);
    }

    public Instant getExpiresAt() {
        return Instant.ofEpochMilli(expiresMs);
    }

    public boolean isUsed() {
        return used;
    }
}
