/** Quotes: what a submission would cost and whether a miner would take it, with nothing created. */
package org.aitbc.coordinator.it.quotes;
