package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Lob;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A job's signed receipt, made once when its result package is sealed and kept with the job for
 * as long as the job is: deleting or purging the results leaves it, so the history can still
 * prove what was delivered and billed. {@code body} is the receipt's canonical text, stored as
 * signed so that it is served byte for byte; {@code signature} is the Ed25519 signature (base64)
 * of its UTF-8 bytes by the key {@code keyId}.
 */
@Entity
@Table(name = "JOB_RECEIPT")
public class Receipt {
    @Id
    @Column(name = "JOB_ID", length = 40)
    private String jobId;

    @Lob
    @Column(name = "BODY", nullable = false)
    private String body;

    @Column(name = "SIGNATURE", nullable = false, length = 200)
    private String signature;

    @Column(name = "KEY_ID", nullable = false, length = 64)
    private String keyId;

    @Column(name = "CREATED_MS", nullable = false)
    private long createdMs;

    protected Receipt() {}

    public Receipt(String jobId, String body, String signature, String keyId, Instant at) {
        this.jobId = jobId;
        this.body = body;
        this.signature = signature;
        this.keyId = keyId;
        this.createdMs = at.toEpochMilli();
    }

    public String getJobId() {
        return jobId;
    }

    public String getBody() {
        return body;
    }

    public String getSignature() {
        return signature;
    }

    public String getKeyId() {
        return keyId;
    }

    public Instant getCreatedAt() {
        return Instant.ofEpochMilli(createdMs);
    }
}
