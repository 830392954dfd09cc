package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonValue;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.InputStream;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.application.QuoteService;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.wire.QuoteAnswer;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * Quotes: a submission's body answered with its price, run-time estimate, matching miners and
 * expected wait, and no job created. A root resource of its own, so that its literal path wins
 * over {@code /v1/jobs/{id}} for every method: POST here is a quote, never a job's route, and
 * other methods are 405.
 */
@Path("/v1/jobs/quote")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Allowed(Role.CLIENT)
@APIResponse(responseCode = "401", description = "UNAUTHENTICATED: no or unknown X-Api-Key")
@APIResponse(responseCode = "403", description = "FORBIDDEN: a key of another role")
@APIResponse(responseCode = "429", description = "RATE_LIMITED, with Retry-After")
@Tag(name = "jobs")
public class QuoteResource {
    @EJB
    QuoteService quotes;

    @Inject
    JobRequests requests;

    @Inject
    CurrentCaller caller;

    @Inject
    CoordinatorConfig config;

    @POST
    @Operation(
            summary = "Quote a job without submitting it",
            description = "The body of POST /v1/jobs, parsed and validated the same way (the same 400, 404 and "
                    + "422 answers). Nothing is created: the answer gives estimated_cost, estimated_time_seconds, "
                    + "matching_miners (registered miners that could run it), matching_online (those seen within "
                    + "one lease), expected_queue_wait_seconds with queue_wait.basis saying how it was computed, and, "
                    + "when no online miner matches, ruled_out_by: each requirement (field) no online miner meets. "
                    + "An Idempotency-Key is checked as for a submission; a quote changes nothing, so repeating it is "
                    + "harmless.")
    @APIResponse(responseCode = "200", description = "The quote")
    @APIResponse(responseCode = "400", description = "MALFORMED_JSON")
    @APIResponse(responseCode = "413", description = "PAYLOAD_TOO_LARGE")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED or UNSUPPORTED_CONSTRAINT, naming the field")
    @APIResponse(responseCode = "404", description = "FILE_NOT_FOUND: the input's file_id is not the caller's file")
    public QuoteAnswer quote(@HeaderParam("Idempotency-Key") String idempotencyKey, InputStream body) {
        JsonValue parsed = JsonBody.parse(JsonBody.text(body, config.requestMaxBytes()), false);
        if (parsed.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new CoordinatorException(Kind.MALFORMED, "MALFORMED_JSON", "the request body must be a JSON object");
        }
        JsonBody check = new JsonBody();
        Job.Spec spec = requests.parse(parsed.asJsonObject(), "", check);
        if (idempotencyKey != null && idempotencyKey.trim().length() > 200) {
            check.problem("Idempotency-Key", "must be at most 200 characters");
        } else if (idempotencyKey != null && idempotencyKey.chars().anyMatch(Character::isISOControl)) {
            check.problem("Idempotency-Key", "must not contain control characters");
        }
        check.check();
        return quotes.quote(caller.get(), spec);
    }
}
