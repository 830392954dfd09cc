package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.application.WebhookService;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.domain.WebhookEvents;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.interfaces.mapping.WebhookViews;
import org.aitbc.coordinator.wire.DeliveryList;
import org.aitbc.coordinator.wire.DeliveryView;
import org.aitbc.coordinator.wire.WebhookList;
import org.aitbc.coordinator.wire.WebhookView;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** A client's webhooks: register, list, read, remove, and their deliveries (docs/WEBHOOKS.md). */
@Path("/v1/webhooks")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Allowed(Role.CLIENT)
@APIResponse(responseCode = "401", description = "UNAUTHENTICATED: no or unknown X-Api-Key")
@APIResponse(responseCode = "403", description = "FORBIDDEN: a key of another role")
@Tag(name = "webhooks")
public class WebhookResource {
    private static final Set<String> FIELDS = Set.of("url", "events", "job_id");

    @EJB
    WebhookService webhooks;

    @Inject
    CurrentCaller caller;

    @Inject
    CoordinatorConfig config;

    @POST
    @Operation(
            summary = "Register a webhook",
            description = "{\"url\", \"events\": [job.completed, job.failed, job.canceled, job.status, job.progress], "
                    + "\"job_id\"?}. The answer holds the signing secret; it is never shown again.")
    @APIResponse(
            responseCode = "201",
            description = "The webhook with its secret",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = WebhookView.class)))
    @APIResponse(responseCode = "400", description = "MALFORMED_JSON")
    @APIResponse(
            responseCode = "422",
            description = "VALIDATION_FAILED naming url (not https, a refused address, unresolvable), "
                    + "events or an unknown field")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND: job_id is not the caller's job")
    public Response create(InputStream body) {
        JsonObject o = JsonBody.object(body, config.requestMaxBytes(), false);
        JsonBody check = new JsonBody();
        for (String key : o.keySet()) {
            if (!FIELDS.contains(key)) {
                check.problem(key, "is not a field of a webhook (url, events, job_id)");
            }
        }
        String url = check.string(o, "url", "url", 1, 2048);
        if (url == null && check.problems().stream().noneMatch(f -> f.field().equals("url"))) {
            check.problem("url", "is required");
        }
        Set<String> events = events(o, check);
        String jobId = check.string(o, "job_id", "job_id", 1, 40);
        check.check();
        WebhookService.Created c = webhooks.create(caller.get(), url, events, jobId);
        return Response.status(201)
                .entity(WebhookViews.of(c.webhook(), c.secret()))
                .build();
    }

    /** The subscribed names: at least one, each known; repeated ones count once. */
    static Set<String> events(JsonObject o, JsonBody check) {
        JsonValue v = o.get("events");
        Set<String> out = new LinkedHashSet<>();
        if (!(v instanceof JsonArray a) || a.isEmpty()) {
            check.problem("events", "must be a non-empty array of " + String.join(", ", WebhookEvents.ALL));
            return out;
        }
        for (JsonValue e : a) {
            if (!(e instanceof JsonString s) || !WebhookEvents.known(s.getString())) {
                check.problem(
                        "events",
                        "has an unknown event " + (e instanceof JsonString s ? "'" + s.getString() + "'" : e)
                                + "; known: " + String.join(", ", WebhookEvents.ALL));
                return out;
            }
            out.add(s.getString());
        }
        return out;
    }

    @GET
    @Operation(summary = "List the caller's webhooks", description = "Oldest first; secrets are never shown again.")
    @APIResponse(responseCode = "200", description = "{\"webhooks\": [...]}")
    public WebhookList list() {
        return new WebhookList(
                webhooks.list(caller.get()).stream().map(WebhookViews::of).toList());
    }

    @GET
    @Path("{id}")
    // An operator reads any client's webhook by id (a revoked client's, whose key no longer works).
    @Allowed({Role.CLIENT, Role.ADMIN})
    @Operation(summary = "One webhook", description = "A client's own; an admin key reads any.")
    @APIResponse(responseCode = "200", description = "The webhook, without its secret")
    @APIResponse(responseCode = "404", description = "WEBHOOK_NOT_FOUND (also for another client's webhook)")
    public WebhookView get(@PathParam("id") String id) {
        return WebhookViews.of(webhooks.get(caller.get(), id));
    }

    @DELETE
    @Path("{id}")
    @Operation(summary = "Remove a webhook", description = "Nothing more is sent to it, pending deliveries included.")
    @APIResponse(responseCode = "200", description = "The removed webhook")
    @APIResponse(responseCode = "404", description = "WEBHOOK_NOT_FOUND")
    public WebhookView delete(@PathParam("id") String id) {
        return WebhookViews.of(webhooks.delete(caller.get(), id));
    }

    @GET
    @Path("{id}/deliveries")
    @Allowed({Role.CLIENT, Role.ADMIN})
    @Operation(
            summary = "A webhook's deliveries, newest first",
            description = "Each with its attempts and the receiver's answers; limit 1-500 (default 100). "
                    + "A client's own webhook; an admin key reads any (not_sent deliveries of a revoked account "
                    + "say why in reason).")
    @APIResponse(responseCode = "200", description = "{\"deliveries\": [...]}")
    @APIResponse(responseCode = "400", description = "INVALID_PARAMETER: limit")
    @APIResponse(responseCode = "404", description = "WEBHOOK_NOT_FOUND")
    public DeliveryList deliveries(@PathParam("id") String id, @QueryParam("limit") String limit) {
        int max = 100;
        if (limit != null) {
            try {
                max = Integer.parseInt(limit.trim());
            } catch (NumberFormatException e) {
                max = -1;
            }
            if (max < 1 || max > 500) {
                throw CoordinatorException.badParameter("limit", "must be a whole number from 1 to 500");
            }
        }
        WebhookService.Deliveries d = webhooks.deliveries(caller.get(), id, max);
        return new DeliveryList(WebhookViews.of(d.deliveries(), d.attempts()));
    }

    @POST
    @Path("{id}/deliveries/{delivery_id}/redeliver")
    @Operation(
            summary = "Send a delivery's event again",
            description = "A new delivery of the same event, sent at once with a fresh attempt budget.")
    @APIResponse(
            responseCode = "202",
            description = "The new delivery",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = DeliveryView.class)))
    @APIResponse(responseCode = "404", description = "WEBHOOK_NOT_FOUND or DELIVERY_NOT_FOUND")
    public Response redeliver(@PathParam("id") String id, @PathParam("delivery_id") String deliveryId) {
        long n;
        try {
            n = Long.parseLong(deliveryId);
        } catch (NumberFormatException e) {
            throw new CoordinatorException(
                    Kind.NOT_FOUND, "DELIVERY_NOT_FOUND", "no delivery " + deliveryId + " of webhook " + id);
        }
        DeliveryView view = WebhookViews.of(webhooks.redeliver(caller.get(), id, n), List.of());
        return Response.status(202).entity(view).build();
    }
}
