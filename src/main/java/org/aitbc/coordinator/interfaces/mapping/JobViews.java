package org.aitbc.coordinator.interfaces.mapping;

import jakarta.json.Json;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.wire.EventView;
import org.aitbc.coordinator.wire.JobView;

/** Maps aggregates to the wire types; the only place that knows both (also used by the WebSocket feed). */
public final class JobViews {
    private JobViews() {}

    public static JobView of(Job j) {
        JobView.JobError error = j.getErrorCode() == null || j.getState() != JobState.FAILED
                ? null
                : new JobView.JobError(j.getErrorCode(), j.getErrorMessage());
        JobView.ResultInfo result = new JobView.ResultInfo(
                j.isResultAvailable(),
                j.getResultSizeBytes(),
                j.getResultSha256(),
                j.getResultExpiresAt(),
                j.getResultDeletedAt());
        return new JobView(
                j.getId(),
                j.getState().wire(),
                j.getProgress(),
                j.getMinerId(),
                j.getModel(),
                j.getPriority().wire(),
                j.getCreatedAt(),
                j.getAssignedAt(),
                j.getStartedAt(),
                j.getState().isFinal() ? j.getEndedAt() : null,
                j.getEstimatedCompletion(),
                j.getAttempt(),
                error,
                j.getEstimatedCost(),
                j.getEstimatedSeconds(),
                j.getCost(),
                result,
                j.getState().legacyWire(),
                j.getMinerId(),
                j.getCreatedAt(),
                constraints(j.getConstraintsJson()),
                null);
    }

    private static JsonValue constraints(String json) {
        if (json == null || json.isBlank()) {
            return JsonValue.EMPTY_JSON_OBJECT;
        }
        try (JsonReader r = Json.createReader(new StringReader(json))) {
            return r.readValue();
        }
    }

    public static EventView of(JobEvent e) {
        return new EventView(
                e.getId(),
                e.getJobId(),
                e.getType(),
                e.getStatus(),
                e.getProgress(),
                e.getMinerId(),
                e.getMessage(),
                e.getEstimatedCompletion(),
                e.getAt());
    }
}
