package org.aitbc.coordinator.application;

import jakarta.ejb.ApplicationException;
import java.util.List;

/**
 * A refusal the caller can act on, with its HTTP status and stable error code. Thrown by the
 * services and turned into the one JSON error shape at the API edge; rolls the transaction back.
 */
@ApplicationException(rollback = true)
public class CoordinatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A field that failed validation and why. */
    public record FieldProblem(String field, String message) {
    }

    private final int status;
    private final String code;
    private final transient List<FieldProblem> fields;
    private final transient Long retryAfterSeconds;

    public CoordinatorException(int status, String code, String message) {
        this(status, code, message, null, null);
    }

    public CoordinatorException(int status, String code, String message, List<FieldProblem> fields,
                                Long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.fields = fields;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static CoordinatorException validation(List<FieldProblem> problems) {
        FieldProblem first = problems.get(0);
        String message = problems.size() == 1
                ? first.field() + " " + first.message()
                : first.field() + " " + first.message() + " (and " + (problems.size() - 1) + " more)";
        return new CoordinatorException(422, "VALIDATION_FAILED", message, problems, null);
    }

    public static CoordinatorException badParameter(String name, String message) {
        return new CoordinatorException(400, "INVALID_PARAMETER", name + " " + message,
                List.of(new FieldProblem(name, message)), null);
    }

    public static CoordinatorException jobNotFound(String id) {
        return new CoordinatorException(404, "JOB_NOT_FOUND", "no job " + id);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    public List<FieldProblem> fields() {
        return fields;
    }

    public Long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
