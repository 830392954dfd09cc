/**
 * The WebSocket protocol of the real-time feed {@code ws://host/v1/jobs/ws}, and nothing else: the
 * Jakarta WebSocket endpoint and its handshake, the per-connection state (authentication,
 * subscriptions and their replay-to-live switch, a bounded outgoing queue sent asynchronously,
 * resync on overflow), the hub that fans the feed's events out to connections by audience and
 * pings idle ones, the feed's small JSON protocol, and its metrics. Every decision about keys, jobs
 * and events (who may follow what, which events a replay reads, the live position) is a call to
 * {@code application.JobFeed}; events become wire JSON through {@code interfaces.mapping.JobViews}.
 */
package org.aitbc.coordinator.interfaces.ws;
