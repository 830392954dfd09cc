/**
 * Use cases, each one transaction in an EJB: submitting and canceling jobs, the miner protocol,
 * accounts, and the sweeps the timers run. Services load aggregates, call their rules, and
 * persist the aggregate with the events it recorded. The live job feed has one entry point,
 * {@link org.aitbc.coordinator.application.JobFeed} (authentication for the feed, who may follow
 * what, replays, live events); it is a CDI bean rather than an EJB because it holds the feed's
 * subscription and each of its reads is a transaction of the service it calls. Nothing here imports
 * {@code interfaces} or a protocol API such as {@code jakarta.websocket}.
 */
package org.aitbc.coordinator.application;
