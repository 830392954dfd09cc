package org.aitbc.coordinator.wire;

import jakarta.json.bind.annotation.JsonbNillable;
import java.util.List;

/** The one error shape of every route: {@code {"error": {status, code, message, fields?}}}. */
public record ErrorBody(Detail error) {
    public record Detail(
            int status,
            String code,
            String message,
            @JsonbNillable(false) List<FieldError> fields) {}

    public record FieldError(String field, String message) {}
}
