/**
 * Technical services behind the use cases: configuration, JPA repositories, identifiers and key
 * hashing, the persistent EJB timers, and the health checks and metrics operators watch. With
 * several servers on one database, {@link org.aitbc.coordinator.infrastructure.ClusterLocks}
 * serialises start-up work that must happen once, and
 * {@link org.aitbc.coordinator.infrastructure.DatabaseFailures} tells an unreachable database
 * (503) from a lost race (retry) and from a fault (500).
 */
package org.aitbc.coordinator.infrastructure;
