package org.aitbc.coordinator.wire;

import jakarta.json.JsonValue;
import jakarta.json.bind.annotation.JsonbPropertyOrder;

/** The JSON result and metrics a miner delivered for an ended job, as it sent them. */
@JsonbPropertyOrder({"jobId", "status", "result", "metrics"})
public record JobResult(String jobId, String status, JsonValue result, JsonValue metrics) {}
