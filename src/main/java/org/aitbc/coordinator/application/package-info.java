/**
 * Use cases, each one transaction in an EJB: submitting and canceling jobs, the miner protocol,
 * accounts, and the sweeps the timers run. Services load aggregates, call their rules, and
 * persist the aggregate with the events it recorded.
 */
package org.aitbc.coordinator.application;
