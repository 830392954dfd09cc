package org.aitbc.coordinator.wire;

import java.util.List;

/** A job's events in order. */
public record EventList(List<EventView> events) {}
