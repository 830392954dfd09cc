package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import java.util.regex.Pattern;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.MinerService;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.interfaces.mapping.MinerViews;
import org.aitbc.coordinator.wire.MinerView;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The miners as admins see them: each with its capabilities as registered (unknown fields
 * included), its session and its latest telemetry; and the binding of a miner id to a miner
 * account ahead of its first registration, so that no other account can take the id first.
 */
@Path("/v1/admin/miners")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Allowed(Role.ADMIN)
@APIResponse(responseCode = "401", description = "UNAUTHENTICATED: no or unknown X-Api-Key")
@APIResponse(responseCode = "403", description = "FORBIDDEN: a key of another role")
@APIResponse(responseCode = "429", description = "RATE_LIMITED, with Retry-After")
@Tag(name = "admin")
public class AdminMinerResource {
    private static final Pattern MINER_ID = Pattern.compile("^[A-Za-z0-9_.:@-]{1,100}$");

    @EJB
    MinerService miners;

    @Inject
    CoordinatorConfig config;

    @GET
    @Operation(
            summary = "List miners",
            description = "By id; ?after=ID continues after that id, ?limit=1-500 (default 100).")
    @APIResponse(responseCode = "200", description = "{miners: [...]}")
    @APIResponse(responseCode = "400", description = "INVALID_PARAMETER")
    public MinerView.Page list(@QueryParam("after") String after, @QueryParam("limit") String limit) {
        int max = limit == null ? 100 : ListFilters.intParam("limit", limit, 1, 500);
        String from = after == null || after.isBlank() ? null : checked(after.trim(), "after");
        return new MinerView.Page(
                miners.list(from, max).stream().map(MinerViews::of).toList());
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One miner: capabilities as registered, session, latest telemetry")
    @APIResponse(responseCode = "200", description = "The miner")
    @APIResponse(responseCode = "404", description = "MINER_NOT_FOUND")
    public MinerView get(@PathParam("id") String id) {
        return MinerViews.of(miners.find(checked(id, "id")));
    }

    @PUT
    @Path("{id}")
    @Operation(
            summary = "Bind a miner id to a miner account",
            description = "{account_id}: reserves the id for that account before it registers it;"
                    + " the same binding again is harmless.")
    @APIResponse(responseCode = "200", description = "The miner")
    @APIResponse(responseCode = "409", description = "MINER_ID_TAKEN: bound to another account")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED: account_id is not a miner account")
    public MinerView bind(@PathParam("id") String id, InputStream body) {
        JsonObject o = JsonBody.object(body, config.requestMaxBytes(), false);
        JsonBody check = new JsonBody();
        String account = check.string(o, "account_id", "account_id", 1, 40);
        if (account == null && check.problems().isEmpty()) {
            check.problem("account_id", "is required");
        }
        check.check();
        return MinerViews.of(miners.bind(checked(id, "id"), account));
    }

    private static String checked(String id, String name) {
        if (!MINER_ID.matcher(id).matches()) {
            throw CoordinatorException.badParameter(name, "must be 1 to 100 letters, digits or . _ : @ - characters");
        }
        return id;
    }
}
