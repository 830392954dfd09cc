package org.aitbc.coordinator.infrastructure.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The labels metrics use stay bounded, whatever clients and miners send. */
class MetricsTest {
    @Test
    void failureCodesAreBoundedLabels() {
        Set<String> seen = new HashSet<>();
        assertEquals("OUT_OF_MEMORY", Metrics.errorCodeLabel("OUT_OF_MEMORY", seen));
        assertEquals("OTHER", Metrics.errorCodeLabel("job_123 crashed", seen), "free text is not a label");
        assertEquals("OTHER", Metrics.errorCodeLabel(null, seen));
        for (int i = 0; i < Metrics.MAX_ERROR_CODES; i++) {
            seen.add("CODE_" + i);
        }
        assertEquals("OTHER", Metrics.errorCodeLabel("NEW_CODE", seen), "past the limit, new codes are OTHER");
        assertEquals("CODE_3", Metrics.errorCodeLabel("CODE_3", seen), "codes already counted keep their series");
    }

    @Test
    void statusClasses() {
        assertEquals("2xx", HttpMetrics.statusClass(201));
        assertEquals("4xx", HttpMetrics.statusClass(429));
        assertEquals("5xx", HttpMetrics.statusClass(503));
        assertEquals("other", HttpMetrics.statusClass(999));
    }
}
