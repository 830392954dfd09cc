package org.aitbc.coordinator.interfaces.rest;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.interfaces.mapping.ErrorStatus;
import org.aitbc.coordinator.wire.ErrorBody;

/**
 * Builds the one error answer: {@code {"error": {status, code, message, fields?}}} as JSON; a refusal's
 * status is the one {@link ErrorStatus} gives its kind.
 */
final class Errors {
    private Errors() {}

    static Response response(int status, String code, String message, List<ErrorBody.FieldError> fields) {
        return Response.status(status)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new ErrorBody(new ErrorBody.Detail(
                        status, code, message, fields == null || fields.isEmpty() ? null : fields)))
                .build();
    }

    static Response response(CoordinatorException e) {
        List<ErrorBody.FieldError> fields = e.fields() == null
                ? null
                : e.fields().stream()
                        .map(f -> new ErrorBody.FieldError(f.field(), f.message()))
                        .toList();
        Response r = response(ErrorStatus.of(e), e.code(), e.getMessage(), fields);
        if (e.retryAfterSeconds() != null) {
            return Response.fromResponse(r)
                    .header("Retry-After", e.retryAfterSeconds())
                    .build();
        }
        return r;
    }
}
