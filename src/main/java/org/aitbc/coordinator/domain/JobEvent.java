package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One recorded change of a job: a status change or a progress report. The database assigns
 * the id, so ids increase strictly; the event table is the source of the WebSocket feed and of
 * {@code GET /v1/jobs/{id}/events}, on every server sharing the database.
 */
@Entity
@Table(
        name = "JOB_EVENT",
        indexes = {
            @Index(name = "IX_EVENT_JOB", columnList = "JOB_ID, ID"),
            @Index(name = "IX_EVENT_CLIENT", columnList = "CLIENT_ID, ID")
        })
public class JobEvent {
    public static final String STATUS = "status";
    public static final String PROGRESS = "progress";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "ID")
    private Long id;

    @Column(name = "JOB_ID", nullable = false, length = 40)
    private String jobId;

    @Column(name = "CLIENT_ID", nullable = false, length = 40)
    private String clientId;

    @Column(name = "TYPE", nullable = false, length = 16)
    private String type;

    @Column(name = "STATUS", nullable = false, length = 16)
    private String status;

    @Column(name = "PROGRESS", nullable = false)
    private int progress;

    @Column(name = "MINER_ID", length = 100)
    private String minerId;

    @Column(name = "MESSAGE", length = 1000)
    private String message;

    @Column(name = "AT_MS", nullable = false)
    private long atMs;

    @Column(name = "EST_COMPLETION_MS")
    private Long estimatedCompletionMs;

    protected JobEvent() {}

    JobEvent(Job job, String type, String message, Instant at) {
        this.jobId = job.getId();
        this.clientId = job.getClientId();
        this.type = type;
        this.status = job.getState().wire();
        this.progress = job.getProgress();
        this.minerId = job.getMinerId();
        this.message = message == null ? null : truncate(message, 1000);
        this.atMs = at.toEpochMilli();
        this.estimatedCompletionMs = job.getEstimatedCompletionMs();
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    public Long getId() {
        return id;
    }

    public String getJobId() {
        return jobId;
    }

    public String getClientId() {
        return clientId;
    }

    public String getType() {
        return type;
    }

    public String getStatus() {
        return status;
    }

    public int getProgress() {
        return progress;
    }

    public String getMinerId() {
        return minerId;
    }

    public String getMessage() {
        return message;
    }

    public Instant getAt() {
        return Instant.ofEpochMilli(atMs);
    }

    public Instant getEstimatedCompletion() {
        return estimatedCompletionMs == null ? null : Instant.ofEpochMilli(estimatedCompletionMs);
    }
}
