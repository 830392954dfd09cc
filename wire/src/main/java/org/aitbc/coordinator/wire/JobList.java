package org.aitbc.coordinator.wire;

import java.util.List;

/** A page of jobs, newest first; {@code next_cursor} fetches the next page. */
public record JobList(List<JobView> jobs, long total, boolean hasMore, String nextCursor) {}
