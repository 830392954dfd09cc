package org.aitbc.coordinator.interfaces.rest;

import jakarta.annotation.Priority;
import jakarta.inject.Inject;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerRequestFilter;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.container.ContainerResponseFilter;
import jakarta.ws.rs.container.ResourceInfo;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.Provider;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.LogFields;

/**
 * Puts a request's job id, miner id and account id on the log fields of its thread once the caller
 * is known (after {@link AuthFilter}), so that every line the request logs (its services' lines
 * included) carries them; takes them off again with the answer, and writes the access log line
 * when {@code aitbc.access.log} is on.
 *
 * <p>The job id comes from the route's {@code id} or {@code job_id} path parameter when it is a
 * job's id (other routes' ids, share tokens above all, never become fields); the miner id from
 * {@code X-Miner-ID}, for miner keys only.
 */
@Provider
@Priority(Priorities.AUTHENTICATION + 1)
public class LogContext implements ContainerRequestFilter, ContainerResponseFilter {
    private static final Logger ACCESS = Logger.getLogger("org.aitbc.coordinator.access");

    @Context
    ResourceInfo resourceInfo;

    @Inject
    CurrentCaller current;

    @Inject
    CoordinatorConfig config;

    @Override
    public void filter(ContainerRequestContext request) {
        LogFields.clear();
        MultivaluedMap<String, String> params = request.getUriInfo().getPathParameters();
        LogFields.set(LogFields.JOB_ID, jobId(params.getFirst("job_id"), params.getFirst("id")));
        Caller caller = current.get();
        if (caller != null) {
            LogFields.set(LogFields.ACCOUNT_ID, caller.accountId());
            if (caller.role() == Role.MINER) {
                LogFields.set(LogFields.MINER_ID, request.getHeaderString("X-Miner-ID"));
            }
        }
    }

    @Override
    public void filter(ContainerRequestContext request, ContainerResponseContext response) {
        try {
            if (config.accessLog()) {
                Caller caller = current.get();
                if (caller != null) {
                    // A request refused before this filter's request side ran has no account field yet.
                    LogFields.set(LogFields.ACCOUNT_ID, caller.accountId());
                }
                Object start = request.getProperty(RequestMetrics.START);
                long micros = start instanceof Long t0 ? (System.nanoTime() - t0) / 1_000 : -1;
                String method = RequestMetrics.verb(request.getMethod());
                String route = RequestMetrics.route(resourceInfo == null ? null : resourceInfo.getResourceMethod());
                int status = response.getStatus();
                // The same facts as fields too, for JSON logs; only for this line.
                LogFields.set("http_route", method + " " + route);
                LogFields.set("http_status", Integer.toString(status));
                LogFields.set("duration_ms", micros < 0 ? null : String.format("%.1f", micros / 1000.0));
                ACCESS.info(() -> method + " " + route + " " + status + " "
                        + (micros < 0 ? "-" : String.format("%.1f ms", micros / 1000.0)));
                LogFields.set("http_route", null);
                LogFields.set("http_status", null);
                LogFields.set("duration_ms", null);
            }
        } finally {
            LogFields.clear();
        }
    }

    /** The first of the values that is a job's id, or null. */
    private static String jobId(String... values) {
        for (String v : values) {
            if (v != null && v.startsWith("job_") && v.length() <= 64) {
                return v;
            }
        }
        return null;
    }
}
