/**
 * The HTTP API: JAX-RS resources, authentication and rate limiting, request parsing and
 * validation, the mapping from aggregates to the wire types, and the one JSON error shape.
 * Entities never leave through here; only {@link org.aitbc.coordinator.wire} records do.
 */
package org.aitbc.coordinator.interfaces.rest;
