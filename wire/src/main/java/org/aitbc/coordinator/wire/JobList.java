package org.aitbc.coordinator.wire;

import jakarta.json.bind.annotation.JsonbNillable;
import jakarta.json.bind.annotation.JsonbPropertyOrder;
import java.util.List;

/**
 * A page of jobs, newest first; {@code next_cursor} fetches the next page. A page asked for by
 * {@code offset} (the older marketplace API) also carries {@code items} (the same jobs),
 * {@code limit} and {@code offset}, as that API answered; otherwise they are left out. (One
 * constructor only: JSON-B binds a record through it.)
 */
@JsonbPropertyOrder({"jobs", "total", "hasMore", "nextCursor", "items", "limit", "offset"})
public record JobList(
        List<JobView> jobs,
        long total,
        boolean hasMore,
        String nextCursor,
        @JsonbNillable(false) List<JobView> items,
        @JsonbNillable(false) Integer limit,
        @JsonbNillable(false) Integer offset) {}
