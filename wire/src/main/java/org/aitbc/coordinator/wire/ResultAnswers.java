package org.aitbc.coordinator.wire;

import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.time.Instant;
import java.util.List;

/** The answers about a job's results: their verification and their share links. */
public final class ResultAnswers {
    private ResultAnswers() {}

    /** {@code verified} is true when every file still has the size and SHA-256 sealed at completion. */
    @JsonbPropertyOrder({"jobId", "verified", "files"})
    public record Verification(String jobId, boolean verified, List<FileCheck> files) {}

    /** One file as re-read now; {@code sha256} is null when it could not be read. */
    @JsonbPropertyOrder({"path", "sizeBytes", "ok", "sha256"})
    public record FileCheck(String path, long sizeBytes, boolean ok, String sha256) {}

    /** A new share link: the {@code url} carries its token, shown this once. */
    @JsonbPropertyOrder({"shareId", "url", "expiresAt"})
    public record ShareLink(String shareId, String url, Instant expiresAt) {}

    /** A job's share links, oldest first, never with their tokens. */
    public record ShareList(List<ShareView> shares) {}

    @JsonbPropertyOrder({"shareId", "createdAt", "expiresAt", "revokedAt"})
    public record ShareView(String shareId, Instant createdAt, Instant expiresAt, Instant revokedAt) {}

    @JsonbPropertyOrder({"shareId", "revokedAt"})
    public record ShareRevoked(String shareId, Instant revokedAt) {}
}
