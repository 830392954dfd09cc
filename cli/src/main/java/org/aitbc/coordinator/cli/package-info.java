/**
 * The {@code aitbc} command-line client: every command of the user's guide for clients, the
 * configuration commands, and a reference miner. It reads the API's answers into the shared
 * {@link org.aitbc.coordinator.wire} records with the same JSON-B settings as the server.
 */
package org.aitbc.coordinator.cli;
