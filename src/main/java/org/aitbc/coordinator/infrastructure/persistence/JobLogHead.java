package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;

/**
 * Where a job's live log stream stands in the database ({@link DatabaseLogStore}): the first
 * offset kept and the end, moved by each append in the transaction that inserts its chunks, so
 * that a reader learns both with one read by primary key instead of a search of the chunks. A
 * stream that was never appended to has no row.
 */
@Entity
@Table(name = "JOB_LOG_HEAD")
@IdClass(JobLogHead.Key.class)
public class JobLogHead {
    @Id
    @Column(name = "JOB_ID", length = 64)
    private String jobId;

    @Id
    @Column(name = "LOG_STREAM", length = 8)
    private String stream;

    @Column(name = "KEPT_FROM", nullable = false)
    private long keptFrom;

    @Column(name = "END_OFFSET", nullable = false)
    private long endOffset;

    protected JobLogHead() {}

    JobLogHead(String jobId, String stream) {
        this.jobId = jobId;
        this.stream = stream;
    }

    long keptFrom() {
        return keptFrom;
    }

    long end() {
        return endOffset;
    }

    void moveTo(long keptFrom, long end) {
        this.keptFrom = keptFrom;
        this.endOffset = end;
    }

    /** The primary key: job, stream. */
    public static class Key implements Serializable {
        private static final long serialVersionUID = 1L;
        private String jobId;
        private String stream;

        public Key() {}

        public Key(String jobId, String stream) {
            this.jobId = jobId;
            this.stream = stream;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(k.jobId, jobId) && Objects.equals(k.stream, stream);
        }

        @Override
        public int hashCode() {
            return Objects.hash(jobId, stream);
        }
    }
}
