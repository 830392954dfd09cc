/**
 * The persistent EJB timers: inbound drivers like a REST resource, each calling one application
 * service on its period (lease sweeps, retention purge).
 */
package org.aitbc.coordinator.interfaces.timers;
