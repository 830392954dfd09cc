/** The configuration class: every MicroProfile Config setting of the coordinator, with its default. */
package org.aitbc.coordinator.infrastructure.config;
