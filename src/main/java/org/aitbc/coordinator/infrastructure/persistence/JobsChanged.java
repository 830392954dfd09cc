package org.aitbc.coordinator.infrastructure.persistence;

/**
 * The CDI event {@link JobEventStore} fires in a transaction that changes jobs, before its events
 * are inserted. Observers with {@code during = AFTER_SUCCESS} learn of the commit (long-polling
 * miners, the event feed); the feed's in-transaction observer takes the transaction's writer
 * ticket before the database hands out event ids.
 *
 * @param queued whether a job became pending (submitted, or requeued after a lost lease)
 */
public record JobsChanged(boolean queued) {}
