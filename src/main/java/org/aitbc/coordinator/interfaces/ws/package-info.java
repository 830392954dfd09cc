/**
 * The real-time feed {@code ws://host/v1/jobs/ws}: the Jakarta WebSocket endpoint, the per-connection
 * state (authentication, subscriptions, a bounded outgoing queue sent asynchronously), the hub that
 * fans the event feed's events out to connections and replays missed ones from the event table,
 * and the feed's small JSON protocol.
 */
package org.aitbc.coordinator.interfaces.ws;
