/**
 * The job marketplace's rules, free of any server: the {@link org.aitbc.coordinator.domain.Job}
 * aggregate and its {@link org.aitbc.coordinator.domain.JobState} machine, accounts and plans,
 * pricing and retention windows. Every path that changes a job (REST, miner protocol, lease
 * sweeper, retention timer) goes through the methods here, so one place decides what is allowed.
 */
package org.aitbc.coordinator.domain;
