package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;

/**
 * One stored file of a job's result package, with the size and digests recorded when it was
 * written. The recorded SHA-256 is what downloads are checked against and what verify compares
 * the stored bytes with; the CRC-32 lets the zip be written in one pass.
 */
@Entity
@Table(name = "RESULT_FILE")
@IdClass(ResultFile.Key.class)
public class ResultFile {
    @Id
    @Column(name = "JOB_ID", length = 40)
    private String jobId;

    @Id
    @Column(name = "PATH", length = 255)
    private String path;

    @Column(name = "SIZE_BYTES", nullable = false)
    private long sizeBytes;

    @Column(name = "SHA256", nullable = false, length = 64)
    private String sha256;

    @Column(name = "CRC32", nullable = false)
    private long crc32;

    @Column(name = "STORED_MS", nullable = false)
    private long storedMs;

    protected ResultFile() {}

    public ResultFile(String jobId, String path, long sizeBytes, String sha256, long crc32, long storedMs) {
        this.jobId = jobId;
        this.path = path;
        update(sizeBytes, sha256, crc32, storedMs);
    }

    /** A re-upload of the same path replaces the record. */
    public void update(long size, String sha, long crc, long at) {
        this.sizeBytes = size;
        this.sha256 = sha;
        this.crc32 = crc;
        this.storedMs = at;
    }

    /** Composite key: job and path. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        public String jobId;
        public String path;

        public Key() {}

        public Key(String jobId, String path) {
            this.jobId = jobId;
            this.path = path;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(k.jobId, jobId) && Objects.equals(k.path, path);
        }

        @Override
        public int hashCode() {
            return Objects.hash(jobId, path);
        }
    }

    public String getJobId() {
        return jobId;
    }

    public String getPath() {
        return path;
    }

    public long getSizeBytes() {
        return sizeBytes;
    }

    public String getSha256() {
        return sha256;
    }

    public long getCrc32() {
        return crc32;
    }
}
