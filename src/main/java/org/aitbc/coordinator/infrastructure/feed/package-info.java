/**
 * The plumbing of the live event feed: events become visible to readers only past the commit horizon
 * (no reader sees an id before every smaller id has committed or rolled back), a bounded in-memory
 * log serves replays, and pollers are woken when jobs change.
 */
package org.aitbc.coordinator.infrastructure.feed;
