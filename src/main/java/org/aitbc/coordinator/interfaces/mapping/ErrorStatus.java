package org.aitbc.coordinator.interfaces.mapping;

import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;

/**
 * The HTTP status of each kind of refusal: the REST error answer carries it as its status, the
 * WebSocket feed's error message in its {@code status} field. The one place that knows both.
 */
public final class ErrorStatus {
    private ErrorStatus() {}

    public static int of(Kind kind) {
        return switch (kind) {
            case MALFORMED -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case GONE -> 410;
            case TOO_LARGE -> 413;
            case OUT_OF_RANGE -> 416;
            case INVALID -> 422;
            case PAYMENT_REQUIRED -> 402;
            case RATE_LIMITED -> 429;
            case INTERNAL -> 500;
            case UNAVAILABLE -> 503;
        };
    }

    public static int of(CoordinatorException e) {
        return of(e.kind());
    }
}
