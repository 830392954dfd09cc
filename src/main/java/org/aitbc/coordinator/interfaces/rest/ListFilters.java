package org.aitbc.coordinator.interfaces.rest;

import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.domain.Days;
import org.aitbc.coordinator.domain.JobQuery;
import org.aitbc.coordinator.domain.JobState;

/**
 * The filters shared by the list, history, export and statistics routes: {@code status} (one or
 * several, comma-separated), {@code days}, {@code from}/{@code to} (inclusive UTC dates),
 * {@code limit} and {@code cursor}, and the older marketplace API's dialect: upper-case statuses
 * ({@code QUEUED}, {@code RUNNING}, ..., as the view's {@code state} shows them), {@code job_type}
 * (the payload's type) and {@code offset} (with {@code limit}, at most {@value #MAX_OFFSET}; deeper
 * pages use the cursor). Any bad value is a 400 naming its parameter.
 */
final class ListFilters {
    static final int DEFAULT_LIMIT = 20;
    static final int MAX_LIMIT = 1000;
    static final int MAX_OFFSET = 10_000;

    private ListFilters() {}

    /** Dates outside these years are refused: no job is older, and larger years overflow day arithmetic. */
    static final LocalDate MIN_DATE = LocalDate.of(1970, 1, 1);

    static final LocalDate MAX_DATE = LocalDate.of(9999, 12, 31);

    static JobQuery parse(String status, String days, String from, String to, String cursor) {
        return parse(status, days, from, to, cursor, null);
    }

    static JobQuery parse(String status, String days, String from, String to, String cursor, String jobType) {
        plain("status", status);
        plain("days", days);
        plain("from", from);
        plain("to", to);
        plain("cursor", cursor);
        plain("job_type", jobType);
        Set<JobState> states = EnumSet.noneOf(JobState.class);
        if (status != null && !status.isBlank()) {
            for (String s : status.split(",")) {
                Set<JobState> legacy = legacyStatus(s.trim());
                JobState st = JobState.fromWire(s);
                if (legacy != null) {
                    states.addAll(legacy);
                } else if (st == null) {
                    throw CoordinatorException.badParameter(
                            "status",
                            "has an unknown value '" + s.trim()
                                    + "'; use pending, assigned, running, canceling, completed, failed or canceled"
                                    + " (or the older QUEUED, RUNNING, COMPLETED, FAILED, CANCELED)");
                } else {
                    states.add(st);
                }
            }
        }
        String type = null;
        if (jobType != null && !jobType.isBlank()) {
            type = jobType.trim();
            if (type.length() > 64) {
                throw CoordinatorException.badParameter("job_type", "must be at most 64 characters");
            }
        }
        Long fromMs = null;
        Long toMs = null;
        if (days != null && !days.isBlank()) {
            int d = intParam("days", days, 1, 36_500);
            fromMs = System.currentTimeMillis() - Days.toMs(d);
        }
        if (from != null && !from.isBlank()) {
            long f = Days.startMs(date("from", from).toEpochDay());
            fromMs = fromMs == null ? f : Math.max(fromMs, f);
        }
        if (to != null && !to.isBlank()) {
            LocalDate t = date("to", to);
            if (from != null && !from.isBlank() && t.isBefore(date("from", from))) {
                throw CoordinatorException.badParameter("to", "must not be before from");
            }
            toMs = Days.startMs(t.toEpochDay() + 1);
        }
        Long cursorMs = null;
        String cursorId = null;
        if (cursor != null && !cursor.isBlank()) {
            try {
                String decoded = new String(Base64.getUrlDecoder().decode(cursor.trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                cursorMs = Long.parseLong(decoded.substring(0, colon));
                cursorId = decoded.substring(colon + 1);
            } catch (RuntimeException e) {
                throw CoordinatorException.badParameter("cursor", "is not a cursor this service returned");
            }
        }
        return new JobQuery(null, states, fromMs, toMs, cursorMs, cursorId, type);
    }

    /**
     * The states an upper-case status of the older API stands for, as {@code state} in the job
     * view shows them: {@code QUEUED} is pending, {@code RUNNING} assigned, running or canceling;
     * the other upper-case names are the state of that name. Null for a value in lower case.
     */
    private static Set<JobState> legacyStatus(String s) {
        if (s.isEmpty() || !s.equals(s.toUpperCase(java.util.Locale.ROOT)) || !s.matches("[A-Z_]+")) {
            return null;
        }
        return switch (s) {
            case "QUEUED" -> EnumSet.of(JobState.PENDING);
            case "RUNNING" -> EnumSet.of(JobState.ASSIGNED, JobState.RUNNING, JobState.CANCELING);
            case "CANCELLED" -> EnumSet.of(JobState.CANCELED);
            default -> {
                JobState st = JobState.fromWire(s);
                yield st == null ? null : EnumSet.of(st);
            }
        };
    }

    /** The older API's offset: 0 to {@value #MAX_OFFSET}, and not together with a cursor. */
    static Integer offset(String offset, String cursor) {
        if (offset == null || offset.isBlank()) {
            return null;
        }
        if (cursor != null && !cursor.isBlank()) {
            throw CoordinatorException.badParameter("offset", "cannot be combined with cursor; use one of them");
        }
        long v;
        try {
            v = Long.parseLong(offset.trim());
        } catch (NumberFormatException e) {
            throw CoordinatorException.badParameter("offset", "must be a whole number from 0 to " + MAX_OFFSET);
        }
        if (v < 0) {
            throw CoordinatorException.badParameter("offset", "must be a whole number from 0 to " + MAX_OFFSET);
        }
        if (v > MAX_OFFSET) {
            throw CoordinatorException.badParameter(
                    "offset",
                    "must be at most " + MAX_OFFSET + "; page further with cursor (the next_cursor of each page)");
        }
        return (int) v;
    }

    static String cursor(long createdMs, String id) {
        return Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString((createdMs + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    static int limit(String limit) {
        return limit == null || limit.isBlank() ? DEFAULT_LIMIT : intParam("limit", limit, 1, MAX_LIMIT);
    }

    /**
     * Refuses a value with a control character (a NUL, CR or LF sent as %00, %0D, %0A): trimming
     * would otherwise drop it silently and act on a value the client did not write.
     */
    static void plain(String name, String value) {
        if (value != null && value.chars().anyMatch(Character::isISOControl)) {
            throw CoordinatorException.badParameter(name, "must not contain control characters");
        }
    }

    static int intParam(String name, String value, int min, int max) {
        plain(name, value);
        try {
            int v = Integer.parseInt(value.trim());
            if (v < min || v > max) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw CoordinatorException.badParameter(name, "must be a whole number from " + min + " to " + max);
        }
    }

    static long longParam(String name, String value, long min) {
        plain(name, value);
        try {
            long v = Long.parseLong(value.trim());
            if (v < min) {
                throw new NumberFormatException();
            }
            return v;
        } catch (NumberFormatException e) {
            throw CoordinatorException.badParameter(name, "must be a whole number of at least " + min);
        }
    }

    private static LocalDate date(String name, String value) {
        LocalDate d;
        try {
            d = LocalDate.parse(value.trim());
        } catch (DateTimeParseException e) {
            throw CoordinatorException.badParameter(name, "must be a date as YYYY-MM-DD");
        }
        if (d.isBefore(MIN_DATE) || d.isAfter(MAX_DATE)) {
            throw CoordinatorException.badParameter(name, "must be a date from " + MIN_DATE + " to " + MAX_DATE);
        }
        return d;
    }
}
