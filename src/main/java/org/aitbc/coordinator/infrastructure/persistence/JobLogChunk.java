package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.persistence.Basic;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Lob;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;

/**
 * One chunk of a job's live log stream in the database ({@link DatabaseLogStore}): the bytes
 * {@code [FIRST_OFFSET, FIRST_OFFSET + BYTE_COUNT)} of the stream, at most
 * {@link LogChunks#MAX_PIECE}. Written once by an append and never changed; deleted when the
 * stream is trimmed past its limit or the job's results go. The primary key (job, stream, first
 * offset) is the index every read walks: a stream's chunks in offset order.
 */
@Entity
@Table(name = "JOB_LOG_CHUNK")
@IdClass(JobLogChunk.Key.class)
public class JobLogChunk {
    @Id
    @Column(name = "JOB_ID", length = 64)
    private String jobId;

    @Id
    @Column(name = "LOG_STREAM", length = 8)
    private String stream;

    @Id
    @Column(name = "FIRST_OFFSET")
    private long firstOffset;

    @Column(name = "BYTE_COUNT", nullable = false)
    private int byteCount;

    // BLOB(64 KiB) on Derby, BYTEA on PostgreSQL.
    @Lob
    @Basic(fetch = FetchType.EAGER)
    @Column(name = "CHUNK_BYTES", nullable = false, length = LogChunks.MAX_PIECE)
    private byte[] bytes;

    protected JobLogChunk() {}

    JobLogChunk(String jobId, String stream, long firstOffset, byte[] bytes) {
        this.jobId = jobId;
        this.stream = stream;
        this.firstOffset = firstOffset;
        this.byteCount = bytes.length;
        this.bytes = bytes;
    }

    /** The primary key: job, stream, first offset. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        private String jobId;
        private String stream;
        private long firstOffset;

        public Key() {}

        public Key(String jobId, String stream, long firstOffset) {
            this.jobId = jobId;
            this.stream = stream;
            this.firstOffset = firstOffset;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k
                    && k.firstOffset == firstOffset
                    && Objects.equals(k.jobId, jobId)
                    && Objects.equals(k.stream, stream);
        }

        @Override
        public int hashCode() {
            return Objects.hash(jobId, stream, firstOffset);
        }
    }
}
