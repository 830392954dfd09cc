package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Response;
import org.aitbc.coordinator.application.ReceiptService;
import org.aitbc.coordinator.application.ResultService;
import org.aitbc.coordinator.application.ShareService;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Share links: the token in the URL is the credential, so no API key is needed. */
@Path("/v1/shares/{token}")
@RequestScoped
@Public
@Tag(name = "results")
public class ShareResource {
    @EJB
    ShareService shares;

    @EJB
    ResultService results;

    @EJB
    ReceiptService receipts;

    @Inject
    ResultStore store;

    @GET
    @Produces({"application/zip", "application/json"})
    @Operation(
            summary = "Download a shared result package",
            description = "Works without an API key until the "
                    + "link expires or is revoked; ETag and Range as for the owner's download.")
    @APIResponse(responseCode = "200", description = "The zip")
    @APIResponse(responseCode = "206", description = "The requested byte range")
    @APIResponse(responseCode = "404", description = "SHARE_NOT_FOUND")
    @APIResponse(responseCode = "410", description = "SHARE_GONE or RESULT_GONE, saying when")
    public Response download(
            @PathParam("token") String token,
            @HeaderParam("If-None-Match") String ifNoneMatch,
            @HeaderParam("Range") String range) {
        Job job = shares.open(token);
        return ZipPackage.respond(
                job, results.files(job.getId()), receipts.document(job.getId()), store, ifNoneMatch, range);
    }
}
