/**
 * Live logs against the real server: appends with their offset rules and lease fence, followers
 * over HTTP and the WebSocket that drop and resume, the package's logs, and the CLI's {@code client
 * logs} and {@code miner run --exec} streaming.
 */
package org.aitbc.coordinator.it.logs;
