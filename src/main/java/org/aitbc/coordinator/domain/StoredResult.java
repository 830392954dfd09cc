package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

/**
 * The summary of a job's stored result files: sealed when the job ends (total size, the SHA-256
 * of the {@code output.sha256} manifest, and when the plan's retention lets them go), available
 * until they are deleted, after which the time of deletion stays. Part of {@link Job}'s row,
 * changed only by the job's methods.
 */
@Embeddable
public class StoredResult {
    /** True once the result files are sealed (sizes and sums recorded) and until they are deleted. */
    @Column(name = "RESULT_AVAILABLE", nullable = false)
    private boolean available;

    @Column(name = "RESULT_SIZE_BYTES")
    private Long sizeBytes;

    @Column(name = "RESULT_SHA256", length = 64)
    private String sha256;

    @Column(name = "RESULT_EXPIRES_MS")
    private Long expiresMs;

    @Column(name = "RESULT_DELETED_MS")
    private Long deletedMs;

    protected StoredResult() {}

    /** Nothing stored yet. */
    static StoredResult none() {
        return new StoredResult();
    }

    void seal(long size, String sha, long expiresAtMs) {
        available = true;
        sizeBytes = size;
        sha256 = sha;
        expiresMs = expiresAtMs;
    }

    /** The files are gone; the first deletion's time is kept. */
    void markDeleted(long nowMs) {
        available = false;
        if (deletedMs == null) {
            deletedMs = nowMs;
        }
    }

    boolean available() {
        return available;
    }

    Long sizeBytes() {
        return sizeBytes;
    }

    String sha256() {
        return sha256;
    }

    Long expiresMs() {
        return expiresMs;
    }

    Long deletedMs() {
        return deletedMs;
    }
}
