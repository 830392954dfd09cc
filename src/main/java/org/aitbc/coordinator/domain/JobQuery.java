package org.aitbc.coordinator.domain;

import java.util.Collection;

/**
 * The filters of a job listing, its total, export and statistics: whose jobs ({@code clientId},
 * null for everyone's), which states (null or empty for all), submitted from {@code fromMs}
 * (inclusive) to {@code toMs} (exclusive), after which row ({@code cursorCreatedMs},
 * {@code cursorId}: the keyset cursor, newest first), and of which payload type ({@code jobType},
 * the older API's {@code job_type}; null for any).
 *
 * <p>A value of the domain rather than of the application layer: the REST layer parses it, the
 * application scopes it to the caller, and persistence turns it into SQL; infrastructure may not
 * import application types, and both may import the domain. Passing six loose parameters through
 * every listing, count and export method instead would only hide that they travel together.
 */
public record JobQuery(
        String clientId,
        Collection<JobState> states,
        Long fromMs,
        Long toMs,
        Long cursorCreatedMs,
        String cursorId,
        String jobType) {

    /** Filters of any payload type. */
    public JobQuery(
            String clientId,
            Collection<JobState> states,
            Long fromMs,
            Long toMs,
            Long cursorCreatedMs,
            String cursorId) {
        this(clientId, states, fromMs, toMs, cursorCreatedMs, cursorId, null);
    }

    /** The same filters for one client's jobs ({@code null}: everyone's). */
    public JobQuery forClient(String client) {
        return new JobQuery(client, states, fromMs, toMs, cursorCreatedMs, cursorId, jobType);
    }

    /** The same filters restricted to these states. */
    public JobQuery withStates(Collection<JobState> only) {
        return new JobQuery(clientId, only, fromMs, toMs, cursorCreatedMs, cursorId, jobType);
    }

    /** The same filters for the rows after this one, newest first: the next page. */
    public JobQuery after(long createdMs, String id) {
        return new JobQuery(clientId, states, fromMs, toMs, createdMs, id, jobType);
    }

    /** The same filters for jobs of this payload type only. */
    public JobQuery ofType(String type) {
        return new JobQuery(clientId, states, fromMs, toMs, cursorCreatedMs, cursorId, type);
    }
}
