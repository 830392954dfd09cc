/** Maps aggregates to the wire types for every inbound driver (REST and the WebSocket feed). */
package org.aitbc.coordinator.interfaces.mapping;
