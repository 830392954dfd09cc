package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import org.aitbc.coordinator.application.InputFileService;
import org.aitbc.coordinator.application.InputFiles;
import org.aitbc.coordinator.domain.InputFile;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.wire.FileView;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** Large inputs: a client uploads a file first, then names it as a job's input. */
@Path("/v1/files")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Allowed(Role.CLIENT)
@APIResponse(responseCode = "401", description = "UNAUTHENTICATED: no or unknown X-Api-Key")
@APIResponse(responseCode = "403", description = "FORBIDDEN: a key of another role")
@Tag(name = "files")
public class FileResource {
    @Inject
    InputFiles uploads;

    @EJB
    InputFileService files;

    @Inject
    CurrentCaller caller;

    static FileView view(InputFile f) {
        return new FileView(f.getId(), f.getSizeBytes(), f.getSha256(), f.isUsed() ? null : f.getExpiresAt());
    }

    @POST
    @Consumes(MediaType.WILDCARD)
    @Operation(
            summary = "Upload a large input",
            description = "Streams the body to storage (never held in memory) with its SHA-256, up to "
                    + "aitbc.files.max.bytes. A job then names it as \"input\": {\"file_id\": ...} (or "
                    + "payload.input_file_id); unused, it is deleted after aitbc.files.unused.hours.")
    @APIResponse(
            responseCode = "201",
            description = "{file_id, size_bytes, sha256, expires_at}",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = FileView.class)))
    @APIResponse(responseCode = "413", description = "PAYLOAD_TOO_LARGE: over aitbc.files.max.bytes")
    public Response upload(@HeaderParam("Content-Length") String contentLength, InputStream body) {
        if (contentLength != null && contentLength.matches("\\d{1,19}")) {
            uploads.checkDeclaredLength(Long.parseLong(contentLength));
        }
        return Response.status(201)
                .entity(view(uploads.upload(caller.get(), body)))
                .build();
    }

    @GET
    @Path("{file_id}")
    @Operation(summary = "One uploaded file: its size, SHA-256 and, while no job uses it, its expiry")
    @APIResponse(responseCode = "200", description = "{file_id, size_bytes, sha256, expires_at}")
    @APIResponse(responseCode = "404", description = "FILE_NOT_FOUND (also another client's or an expired file)")
    public FileView get(@PathParam("file_id") String id) {
        return view(files.get(caller.get(), id));
    }
}
