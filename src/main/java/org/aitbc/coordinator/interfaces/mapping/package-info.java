/**
 * Maps aggregates to the wire types, and application error kinds to HTTP statuses, for every
 * inbound driver (REST and the WebSocket feed).
 */
package org.aitbc.coordinator.interfaces.mapping;
