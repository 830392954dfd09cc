/** Automatic retries of attempts that end by the miner's fault, and the client's retry of a job. */
package org.aitbc.coordinator.it.retries;
