package org.aitbc.coordinator.wire;

import jakarta.json.bind.annotation.JsonbPropertyOrder;

/** The answers of the live-log routes ({@code POST /v1/miners/{job_id}/logs}). */
public final class LogAnswers {
    private LogAnswers() {}

    /**
     * One append: the offset its bytes begin at, the offset the miner's next bytes go to (send it
     * as {@code X-Log-Offset} with them), the stream's end, how many bytes were written now (0 for
     * a retry whose bytes were there already: {@code duplicate}), and whether the stream is past
     * {@code aitbc.logs.max.bytes} ({@code truncated}: only the bytes from {@code kept_from} on are
     * kept, and {@code message} says so).
     */
    @JsonbPropertyOrder({
        "status",
        "jobId",
        "stream",
        "offset",
        "nextOffset",
        "end",
        "written",
        "duplicate",
        "truncated",
        "keptFrom",
        "message"
    })
    public record Appended(
            String status,
            String jobId,
            String stream,
            long offset,
            long nextOffset,
            long end,
            long written,
            boolean duplicate,
            boolean truncated,
            long keptFrom,
            String message) {}
}
