/** MicroProfile Metrics: what operators watch, and the sweeper's last run that the health checks report. */
package org.aitbc.coordinator.infrastructure.observability;
