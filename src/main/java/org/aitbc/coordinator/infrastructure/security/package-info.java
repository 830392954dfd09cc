/** Unguessable identifiers, the one-way hash under which keys are stored, and per-caller rate limits. */
package org.aitbc.coordinator.infrastructure.security;
