package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.JobService;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.interfaces.mapping.AccountViews;
import org.aitbc.coordinator.wire.AccountSummary;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The caller's own account: who it is and, for a client, its month's budget and spending. */
@Path("/v1/account")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Allowed({Role.CLIENT, Role.ADMIN})
@APIResponse(responseCode = "401", description = "UNAUTHENTICATED: no or unknown X-Api-Key")
@APIResponse(responseCode = "429", description = "RATE_LIMITED, with Retry-After")
@Tag(name = "account")
public class AccountResource {
    @EJB
    JobService jobs;

    @Inject
    CurrentCaller caller;

    @GET
    @Operation(
            summary = "The caller's account and, for a client, its month",
            description = "{account_id, name, role, plan, budget: {month, monthly, source, spent, committed, "
                    + "remaining}}. A month is a UTC calendar month; a job counts in the month it was submitted; "
                    + "spent is the cost of its ended jobs, committed adds the estimates of those still active.")
    @APIResponse(responseCode = "200", description = "OK")
    public AccountSummary get() {
        Caller c = caller.get();
        return AccountViews.summary(
                c.accountId(), c.name(), c.role(), c.plan(), c.role() == Role.CLIENT ? jobs.month(c) : null);
    }
}
