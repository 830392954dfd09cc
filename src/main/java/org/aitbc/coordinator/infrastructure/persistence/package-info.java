/**
 * JPA repositories over the aggregates, and what the database itself decides: row locks, Derby- and
 * PostgreSQL-specific SQL, cluster-wide locks for start-up work that must happen once, and the
 * classification of a failure as an unreachable database (503), a lost race (retry) or a fault.
 */
package org.aitbc.coordinator.infrastructure.persistence;
