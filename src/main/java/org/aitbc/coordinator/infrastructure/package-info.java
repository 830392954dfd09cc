/**
 * Technical services behind the use cases, one sub-package each: {@code config} (every setting, read
 * through one class), {@code persistence} (JPA repositories, database dialects, failure
 * classification), {@code storage} (result files), {@code feed} (the event feed's plumbing: commit
 * horizon, event-table reads, poll wake-ups), {@code observability} (health checks, metrics) and
 * {@code security} (identifiers, key hashing, rate limits). Nothing here calls up into
 * {@code application} or {@code interfaces}.
 */
package org.aitbc.coordinator.infrastructure;
