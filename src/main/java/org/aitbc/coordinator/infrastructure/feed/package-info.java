/**
 * The plumbing of the live event feed, with no use case of its own (those are
 * {@code application.JobFeed}'s): the one dispatcher that reads the event table in id order
 * ({@link org.aitbc.coordinator.infrastructure.feed.EventFeed}) and releases an id only past the
 * commit horizon ({@link org.aitbc.coordinator.infrastructure.feed.CommitHorizon}: no event is
 * announced before every smaller id has committed or is known never to come), the tickets of this
 * server's event-writing transactions that the horizon relies on
 * ({@link org.aitbc.coordinator.infrastructure.feed.EventWriters},
 * {@link org.aitbc.coordinator.infrastructure.feed.WriterTickets}), the event-table reads that serve
 * replays and the revocation check ({@link org.aitbc.coordinator.infrastructure.feed.EventLog}), the
 * gap counters, the {@code aitbc.ws.*} settings, the feed's own sending threads
 * ({@link org.aitbc.coordinator.infrastructure.feed.FeedThreads}), and the wake-ups of long-polling miners
 * ({@link org.aitbc.coordinator.infrastructure.feed.PollNotifier}). Imports neither
 * {@code application} nor {@code interfaces}.
 */
package org.aitbc.coordinator.infrastructure.feed;
