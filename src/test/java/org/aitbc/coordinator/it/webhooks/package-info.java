/** Webhooks against the real server, with a receiver of the test's own on a loopback port. */
package org.aitbc.coordinator.it.webhooks;
