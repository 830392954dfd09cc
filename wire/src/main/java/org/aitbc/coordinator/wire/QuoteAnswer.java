package org.aitbc.coordinator.wire;

import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.math.BigDecimal;
import java.util.List;

/**
 * What a submission would get ({@code POST /v1/jobs/quote}), with no job created: its price and
 * run-time estimate as a submission states them, how many registered miners could run it and how
 * many of those are online now, the expected wait for a claim, and, when no online miner
 * matches, each requirement that rules them out.
 */
@JsonbPropertyOrder({
    "estimatedCost",
    "estimatedTimeSeconds",
    "matchingMiners",
    "matchingOnline",
    "registeredMiners",
    "onlineMiners",
    "expectedQueueWaitSeconds",
    "queueWait",
    "ruledOutBy"
})
public record QuoteAnswer(
        BigDecimal estimatedCost,
        long estimatedTimeSeconds,
        long matchingMiners,
        long matchingOnline,
        long registeredMiners,
        long onlineMiners,
        Long expectedQueueWaitSeconds,
        QueueWait queueWait,
        List<RuledOut> ruledOutBy) {

    /**
     * How {@code expected_queue_wait_seconds} was computed: the median claim wait of
     * {@code samples} recent similar jobs, described in {@code basis}; null seconds when no online
     * miner matches or no similar job was claimed recently.
     */
    @JsonbPropertyOrder({"seconds", "samples", "basis"})
    public record QueueWait(Long seconds, int samples, String basis) {}

    /** A requirement ({@code field}, as the request names it) that no online miner meets, and why. */
    @JsonbPropertyOrder({"field", "message"})
    public record RuledOut(String field, String message) {}
}
