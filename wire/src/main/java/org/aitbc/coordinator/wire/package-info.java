/**
 * The JSON shapes of the public API, shared by the server and the {@code aitbc} CLI so that
 * both sides agree by construction. Plain records; {@link org.aitbc.coordinator.wire.WireJson}
 * holds the one JSON-B configuration (snake_case names, explicit nulls) both sides use.
 */
package org.aitbc.coordinator.wire;
