package org.aitbc.coordinator.application;

import jakarta.ejb.ApplicationException;
import java.util.List;

/**
 * A refusal the caller can act on, with its kind and stable error code. Thrown by the services
 * and turned into the one error shape at the edge, which chooses the protocol's status from the
 * kind (interfaces/mapping/ErrorStatus); rolls the transaction back.
 */
@ApplicationException(rollback = true)
public class CoordinatorException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, in the application's terms; each inbound driver maps it to its own status. */
    public enum Kind {
        /** The request or message cannot be used as sent: not JSON, a bad parameter, an unknown action. */
        MALFORMED,
        /** No credential, or one that is not valid. */
        UNAUTHENTICATED,
        /** A valid credential that may not do this. */
        FORBIDDEN,
        /** No such job, file, share, account or subscription (or one the caller may not see). */
        NOT_FOUND,
        /** The target's current state does not allow it: not ready, already ended, lease lost. */
        CONFLICT,
        /** It existed, and is gone for good: deleted, expired, revoked. */
        GONE,
        /** More bytes than allowed. */
        TOO_LARGE,
        /** A byte range outside the content. */
        OUT_OF_RANGE,
        /** Well formed, but breaks a rule: validation, an Idempotency-Key reused with another body. */
        INVALID,
        /** It would spend more than the account's budget allows. */
        PAYMENT_REQUIRED,
        /** Too many requests for this credential for now. */
        RATE_LIMITED,
        /** The service could not handle it, and says no more. */
        INTERNAL,
        /** The service cannot do it right now; trying again later may work. */
        UNAVAILABLE
    }

    /** A field that failed validation and why. */
    public record FieldProblem(String field, String message) {}

    private final Kind kind;
    private final String code;
    private final transient List<FieldProblem> fields;
    private final transient Long retryAfterSeconds;

    public CoordinatorException(Kind kind, String code, String message) {
        this(kind, code, message, null, null);
    }

    public CoordinatorException(
            Kind kind, String code, String message, List<FieldProblem> fields, Long retryAfterSeconds) {
        super(message, null, false, false);
        this.kind = kind;
        this.code = code;
        this.fields = fields;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static CoordinatorException validation(List<FieldProblem> problems) {
        FieldProblem first = problems.get(0);
        String message = problems.size() == 1
                ? first.field() + " " + first.message()
                : first.field() + " " + first.message() + " (and " + (problems.size() - 1) + " more)";
        return new CoordinatorException(Kind.INVALID, "VALIDATION_FAILED", message, problems, null);
    }

    public static CoordinatorException badParameter(String name, String message) {
        return new CoordinatorException(
                Kind.MALFORMED,
                "INVALID_PARAMETER",
                name + " " + message,
                List.of(new FieldProblem(name, message)),
                null);
    }

    public static CoordinatorException jobNotFound(String id) {
        return new CoordinatorException(Kind.NOT_FOUND, "JOB_NOT_FOUND", "no job " + id);
    }

    public Kind kind() {
        return kind;
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
