package org.aitbc.coordinator.interfaces.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Requests are labelled with the route templates the resources declare, never raw paths. */
class RequestMetricsTest {
    private static String route(Class<?> type, String method) {
        for (var m : type.getMethods()) {
            if (m.getName().equals(method)) {
                return RequestMetrics.template(m);
            }
        }
        throw new IllegalArgumentException(method);
    }

    @Test
    void routesAreTemplates() {
        assertEquals("/v1/jobs/{id}", route(JobResource.class, "get"));
        assertEquals("/v1/miners/poll", route(MinerResource.class, "poll"));
        assertEquals("/v1/miners/{job_id}/start", route(MinerResource.class, "start"));
        assertEquals("/v1/miners/{job_id}/files/{path}", route(MinerResource.class, "upload"));
        assertEquals("/v1/jobs/{id}/download", route(ResultResource.class, "download"), "a sub-resource");
        assertEquals("/v1/jobs/{id}/shares/{share_id}", route(ResultResource.class, "revoke"));
    }
}
