/**
 * Use cases, each one transaction in an EJB: submitting and canceling jobs, the miner protocol,
 * results and their share links, accounts, and the sweeps the timers run. Services load
 * aggregates, call their rules, and persist the aggregate with the events it recorded. A few
 * use cases run outside a transaction and call those EJBs: the writes that race
 * ({@code JobCommands}, {@code MinerCommands}), each try in a new transaction and run again on a
 * lost race ({@code @RetryOnConflict}), and an upload ({@code ResultUploads}), so that no lock is
 * held while its body streams. The live job feed has one entry point,
 * {@link org.aitbc.coordinator.application.JobFeed} (authentication for the feed, who may follow
 * what, replays, live events); it is a CDI bean rather than an EJB because it holds the feed's
 * subscription and each of its reads is a transaction of the service it calls. Refusals are
 * {@code CoordinatorException}s of an application kind; the inbound drivers choose their
 * protocol's status from it. Nothing here imports {@code interfaces} or a protocol API such as
 * {@code jakarta.ws.rs} or {@code jakarta.websocket}.
 */
package org.aitbc.coordinator.application;
