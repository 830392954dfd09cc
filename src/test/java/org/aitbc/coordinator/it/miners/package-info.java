/** The miner protocol as the marketplace's miners speak it: registration shapes, sessions, identity, failure. */
package org.aitbc.coordinator.it.miners;
