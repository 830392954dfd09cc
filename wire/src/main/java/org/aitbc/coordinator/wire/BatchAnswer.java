package org.aitbc.coordinator.wire;

import java.util.List;

/** The jobs a batch submission created, in the order they were given. */
public record BatchAnswer(List<JobView> jobs) {}
