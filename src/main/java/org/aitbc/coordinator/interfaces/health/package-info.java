/** MicroProfile Health checks: the readiness, liveness and start-up answers operators and load balancers read. */
package org.aitbc.coordinator.interfaces.health;
