/**
 * Technical services behind the use cases: configuration, JPA repositories, identifiers and key
 * hashing, the persistent EJB timers, and the health checks and metrics operators watch.
 */
package org.aitbc.coordinator.infrastructure;
