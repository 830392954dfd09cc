package org.aitbc.coordinator.interfaces.mapping;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.EnumMap;
import java.util.Map;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.junit.jupiter.api.Test;

/** Each kind of refusal answers the status the API has always given it (SPEC's error table). */
class ErrorStatusTest {
    @Test
    void everyKindHasItsStatus() {
        Map<Kind, Integer> expected = new EnumMap<>(Kind.class);
        expected.put(Kind.MALFORMED, 400);
        expected.put(Kind.UNAUTHENTICATED, 401);
        expected.put(Kind.FORBIDDEN, 403);
        expected.put(Kind.NOT_FOUND, 404);
        expected.put(Kind.CONFLICT, 409);
        expected.put(Kind.GONE, 410);
        expected.put(Kind.TOO_LARGE, 413);
        expected.put(Kind.OUT_OF_RANGE, 416);
        expected.put(Kind.INVALID, 422);
        expected.put(Kind.PAYMENT_REQUIRED, 402);
        expected.put(Kind.RATE_LIMITED, 429);
        expected.put(Kind.INTERNAL, 500);
        expected.put(Kind.UNAVAILABLE, 503);
        assertEquals(Kind.values().length, expected.size(), "every kind is listed");
        expected.forEach((kind, status) -> assertEquals(status, ErrorStatus.of(kind), kind.name()));
    }

    @Test
    void theFactoriesKeepTheirStatuses() {
        assertEquals(
                422,
                ErrorStatus.of(CoordinatorException.validation(
                        java.util.List.of(new CoordinatorException.FieldProblem("model", "is required")))));
        assertEquals(400, ErrorStatus.of(CoordinatorException.badParameter("limit", "must be a whole number")));
        assertEquals(404, ErrorStatus.of(CoordinatorException.jobNotFound("job_x")));
    }
}
