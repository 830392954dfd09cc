package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.math.BigDecimal;
import java.util.List;
import org.aitbc.coordinator.application.AccountService;
import org.aitbc.coordinator.domain.Account;
import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.interfaces.mapping.AccountViews;
import org.aitbc.coordinator.wire.AccountSummary;
import org.aitbc.coordinator.wire.AccountView;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Accounts and keys, for admin keys only. */
@Path("/v1/admin/accounts")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Allowed(Role.ADMIN)
@APIResponse(responseCode = "401", description = "UNAUTHENTICATED: no or unknown X-Api-Key")
@APIResponse(responseCode = "403", description = "FORBIDDEN: a key of another role")
@APIResponse(responseCode = "429", description = "RATE_LIMITED, with Retry-After")
@Tag(name = "admin")
public class AdminResource {
    @EJB
    AccountService accounts;

    @Inject
    CoordinatorConfig config;

    @POST
    @Operation(
            summary = "Create an account",
            description = "{role: client|miner|admin, plan: free|pro|enterprise, "
                    + "name}; answers the new API key once; only its hash is kept.")
    @APIResponse(
            responseCode = "201",
            description = "The account with api_key",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = AccountView.class)))
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED")
    public Response create(InputStream body) {
        JsonObject o = JsonBody.object(body, config.requestMaxBytes(), false);
        JsonBody check = new JsonBody();
        String roleText = check.string(o, "role", "role", 1, 16);
        Role role = Role.fromWire(roleText);
        if (role == null) {
            check.problem("role", "must be one of client, miner, admin");
        }
        String planText = check.string(o, "plan", "plan", 1, 16);
        Plan plan = planText == null ? null : Plan.fromWire(planText);
        if (planText != null && plan == null) {
            check.problem("plan", "must be one of free, pro, enterprise");
        }
        String name = check.string(o, "name", "name", 1, 200);
        check.check();
        AccountService.Created created = accounts.create(role, plan, name == null ? role.wire() : name);
        return Response.status(201)
                .entity(view(created.account(), created.apiKey()))
                .build();
    }

    @GET
    @Operation(summary = "List accounts (never their keys)")
    @APIResponse(responseCode = "200", description = "OK")
    public List<AccountView> list() {
        return accounts.list().stream().map(a -> view(a, null)).toList();
    }

    @PUT
    @Path("{id}/budget")
    @Operation(
            summary = "Set a client account's monthly budget",
            description = "{\"monthly\": \"50.00\"} (a decimal string or a number, AITBC per UTC month); "
                    + "{\"monthly\": null} removes the account's own budget, so its plan's default applies. "
                    + "Answers the account with its month, as GET /v1/account shows it to the client.")
    @APIResponse(responseCode = "200", description = "The account and its month")
    @APIResponse(responseCode = "404", description = "ACCOUNT_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "INVALID_STATE: not a client account")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED naming monthly")
    public AccountSummary budget(@PathParam("id") String id, InputStream body) {
        JsonObject o = JsonBody.object(body, config.requestMaxBytes(), false);
        JsonBody check = new JsonBody();
        for (String k : o.keySet()) {
            if (!k.equals("monthly")) {
                check.problem(k, "is not a budget field; the only one is monthly");
            }
        }
        if (!o.containsKey("monthly")) {
            check.problem("monthly", "is required: an amount such as \"50.00\", or null for the plan's default");
        }
        BigDecimal monthly = null;
        JsonValue v = o.get("monthly");
        if (v != null && v.getValueType() != JsonValue.ValueType.NULL) {
            if (v instanceof JsonNumber n) {
                monthly = n.bigDecimalValue();
            } else if (v instanceof JsonString s && s.getString().trim().matches("[0-9]{1,10}(\\.[0-9]{1,6})?")) {
                monthly = new BigDecimal(s.getString().trim());
            }
            if (monthly == null
                    || monthly.signum() < 0
                    || monthly.scale() > 6
                    || monthly.compareTo(BigDecimal.valueOf(1_000_000_000L)) > 0) {
                check.problem(
                        "monthly", "must be an amount from 0 to 1000000000 with at most 6 decimals, such as \"50.00\"");
            }
        }
        check.check();
        AccountService.BudgetSet set = accounts.setBudget(id, monthly);
        Account a = set.account();
        return AccountViews.summary(a.getId(), a.getName(), a.getRole(), a.getPlan(), set.month());
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Revoke an account's key")
    @APIResponse(responseCode = "200", description = "The account, with revoked_at")
    @APIResponse(responseCode = "404", description = "ACCOUNT_NOT_FOUND")
    public AccountView revoke(@PathParam("id") String id) {
        Account a = accounts.revoke(id);
        AuthFilter.forget(id);
        return view(a, null);
    }

    private static AccountView view(Account a, String key) {
        return new AccountView(
                a.getId(),
                a.getName(),
                a.getRole().wire(),
                a.getPlan() == null ? null : a.getPlan().wire(),
                a.getCreatedAt(),
                a.getRevokedAt(),
                key);
    }
}
