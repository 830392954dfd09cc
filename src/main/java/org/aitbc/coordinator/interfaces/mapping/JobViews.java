package org.aitbc.coordinator.interfaces.mapping;

import jakarta.json.Json;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobAttempt;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.wire.EventView;
import org.aitbc.coordinator.wire.JobView;

/** Maps aggregates to the wire types; the only place that knows both (also used by the WebSocket feed). */
public final class JobViews {
    private JobViews() {}

    public static JobView of(Job j) {
        return of(j, null);
    }

    /** The single job's view: with each attempt a miner held, the running one last. */
    public static JobView detail(Job j) {
        List<JobView.Attempt> list = new ArrayList<>();
        for (JobAttempt a : j.getAttempts()) {
            list.add(new JobView.Attempt(
                    a.getNumber(),
                    a.getMinerId(),
                    a.getAssignedAt(),
                    a.getStartedAt(),
                    a.getEndedAt(),
                    a.getOutcome(),
                    a.getErrorCode(),
                    a.isBillable(),
                    a.getBillableSeconds(),
                    a.getCost()));
        }
        if (j.getState().isLeased()) {
            // Its billing is settled when it ends; until then the view stays the same between reads.
            list.add(new JobView.Attempt(
                    j.getAttempt(),
                    j.getMinerId(),
                    j.getAssignedAt(),
                    j.getStartedAt(),
                    null,
                    j.getState().wire(),
                    null,
                    true,
                    null,
                    null));
        }
        return of(j, list.isEmpty() ? null : list);
    }

    private static JobView of(Job j, List<JobView.Attempt> attempts) {
        // A job stopped at its max_cost is canceled, and says why.
        boolean showsError = j.getState() == JobState.FAILED
                || (Job.ERR_BUDGET_EXCEEDED.equals(j.getErrorCode())
                        && (j.getState() == JobState.CANCELED || j.getState() == JobState.CANCELING));
        JobView.JobError error = j.getErrorCode() == null || !showsError
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
                null,
                j.getMaxCost(),
                j.getRetryOf(),
                j.getRetriedBy(),
                attempts);
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
