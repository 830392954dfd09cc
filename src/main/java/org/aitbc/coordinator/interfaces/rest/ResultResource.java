package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import org.aitbc.coordinator.application.ReceiptService;
import org.aitbc.coordinator.application.ResultService;
import org.aitbc.coordinator.application.ShareService;
import org.aitbc.coordinator.domain.DurationText;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.domain.Share;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;
import org.aitbc.coordinator.interfaces.mapping.JobViews;
import org.aitbc.coordinator.interfaces.mapping.ReceiptViews;
import org.aitbc.coordinator.wire.JobView;
import org.aitbc.coordinator.wire.ReceiptAnswers;
import org.aitbc.coordinator.wire.ResultAnswers;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * A job's results for its client: download, checksums, verify, delete and share links. Reached
 * through {@link JobResource#results()} under {@code /v1/jobs/{id}/...}: a root resource of its
 * own at that path would shadow the job's own routes.
 */
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Allowed(Role.CLIENT)
@APIResponse(responseCode = "401", description = "UNAUTHENTICATED")
@APIResponse(responseCode = "404", description = "JOB_NOT_FOUND (also for another client's job)")
@Tag(name = "results")
public class ResultResource {
    private static final Duration MIN_SHARE = Duration.ofMinutes(1);
    private static final Duration MAX_SHARE = Duration.ofDays(90);

    @EJB
    ResultService results;

    @EJB
    ShareService shares;

    @EJB
    ReceiptService receipts;

    @Inject
    ResultStore store;

    @Inject
    CurrentCaller caller;

    @Inject
    CoordinatorConfig config;

    @Context
    HttpServletRequest http;

    @GET
    @Path("download")
    @Produces({"application/zip", MediaType.APPLICATION_JSON, MediaType.TEXT_PLAIN, MediaType.APPLICATION_OCTET_STREAM})
    @Operation(
            summary = "Download the result package",
            description = "A zip with the folder job_<ID>/ (output.json, "
                    + "result.txt, logs/, artifacts/, output.sha256), streamed; ETag and Range supported. ?file=PATH serves "
                    + "one file; ?checksum=true serves output.sha256 for sha256sum -c.")
    @APIResponse(responseCode = "200", description = "The package, the file, or the checksums")
    @APIResponse(responseCode = "206", description = "The requested byte range")
    @APIResponse(
            responseCode = "409",
            description = "RESULT_NOT_READY: the job has not ended, or ended without results")
    @APIResponse(responseCode = "410", description = "RESULT_GONE: deleted or past retention, saying when")
    public Response download(
            @PathParam("id") String id,
            @QueryParam("file") String file,
            @QueryParam("checksum") String checksum,
            @HeaderParam("If-None-Match") String ifNoneMatch,
            @HeaderParam("Range") String range) {
        if ("true".equalsIgnoreCase(checksum)) {
            return checksums(results.readable(caller.get(), id));
        }
        if (file != null) {
            return oneFile(results.file(caller.get(), id, file), ifNoneMatch, range);
        }
        return zip(results.readable(caller.get(), id), ifNoneMatch, range);
    }

    @GET
    @Path("checksum")
    @Produces(MediaType.TEXT_PLAIN)
    @Operation(summary = "output.sha256 of the package, in the format sha256sum -c reads")
    @APIResponse(responseCode = "200", description = "One line per file: <sha256>  <path>")
    @APIResponse(responseCode = "409", description = "RESULT_NOT_READY")
    @APIResponse(responseCode = "410", description = "RESULT_GONE")
    public Response checksum(@PathParam("id") String id) {
        return checksums(results.readable(caller.get(), id));
    }

    private Response checksums(Job job) {
        return Response.ok(
                        ResultService.manifest(results.files(job.getId())),
                        MediaType.TEXT_PLAIN_TYPE.withCharset("UTF-8"))
                .header("Content-Disposition", "attachment; filename=\"" + ResultService.CHECKSUMS + "\"")
                .build();
    }

    private Response zip(Job job, String ifNoneMatch, String range) {
        return ZipPackage.respond(
                job, results.files(job.getId()), receipts.document(job.getId()), store, ifNoneMatch, range);
    }

    private Response oneFile(ResultService.StoredFile f, String ifNoneMatch, String range) {
        String name = f.path().substring(f.path().lastIndexOf('/') + 1);
        return RangedBody.respond(
                f.bytes()::writeTo,
                f.bytes()::writeRange,
                f.sizeBytes(),
                f.sha256(),
                contentType(name),
                name,
                ifNoneMatch,
                range);
    }

    static String contentType(String name) {
        String n = name.toLowerCase(java.util.Locale.ROOT);
        if (n.endsWith(".json")) {
            return "application/json";
        }
        if (n.endsWith(".txt") || n.endsWith(".log") || n.endsWith(".sha256") || n.endsWith(".csv")) {
            return "text/plain; charset=UTF-8";
        }
        if (n.endsWith(".zip")) {
            return "application/zip";
        }
        return MediaType.APPLICATION_OCTET_STREAM;
    }

    @GET
    @Path("receipt")
    @Operation(
            summary = "The job's signed receipt",
            description = "{receipt, signature}: the receipt (job, client, spec SHA-256, miner, attempt, times, "
                    + "every file's path, size and SHA-256, the package digest, GPU-seconds, cost) and a detached "
                    + "Ed25519 signature over its canonical encoding (docs/RECEIPTS.md). Kept after the results "
                    + "are deleted; the key is listed at GET /v1/keys.")
    @APIResponse(responseCode = "200", description = "The receipt; the same as receipt.json of the package")
    @APIResponse(responseCode = "409", description = "RECEIPT_NOT_READY: the job has not ended")
    @APIResponse(responseCode = "404", description = "RECEIPT_NOT_FOUND: the job ended before receipts were signed")
    public ReceiptAnswers.Receipt receipt(@PathParam("id") String id) {
        return ReceiptViews.of(receipts.receipt(caller.get(), id));
    }

    @POST
    @Path("verify")
    @Operation(summary = "Re-read the stored files and compare them with the sums sealed at completion")
    @APIResponse(responseCode = "200", description = "{verified, files: [{path, size_bytes, sha256, ok}]}")
    @APIResponse(responseCode = "409", description = "RESULT_NOT_READY")
    @APIResponse(responseCode = "410", description = "RESULT_GONE")
    public ResultAnswers.Verification verify(@PathParam("id") String id) {
        List<ResultAnswers.FileCheck> files = results.verify(caller.get(), id).stream()
                .map(c -> new ResultAnswers.FileCheck(c.path(), c.sizeBytes(), c.ok(), c.sha256()))
                .toList();
        return new ResultAnswers.Verification(id, files.stream().allMatch(ResultAnswers.FileCheck::ok), files);
    }

    @DELETE
    @Path("results")
    @Operation(
            summary = "Delete the stored result files",
            description = "The job and its history stay; " + "deleting again is harmless.")
    @APIResponse(
            responseCode = "200",
            description = "The job, with result.available false and result.deleted_at",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "409", description = "INVALID_STATE: the job has not ended")
    public Response deleteResults(@PathParam("id") String id) {
        results.deleteResults(caller.get(), id);
        return Response.ok(JobViews.of(results.readableOrAny(caller.get(), id))).build();
    }

    @POST
    @Path("share")
    @Operation(
            summary = "Create a share link",
            description =
                    "{\"expires\": \"7d\"} (m, h or d; 1m to 90d; default 7d). "
                            + "The link downloads the package without a key until it expires or is revoked; it never outlives the result.")
    @APIResponse(
            responseCode = "201",
            description = "{share_id, url, expires_at}",
            content =
                    @Content(
                            mediaType = "application/json",
                            schema = @Schema(implementation = ResultAnswers.ShareLink.class)))
    @APIResponse(responseCode = "409", description = "RESULT_NOT_READY")
    @APIResponse(responseCode = "410", description = "RESULT_GONE")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED: expires")
    public Response share(@PathParam("id") String id, InputStream body) {
        JsonObject o = JsonBody.object(body, config.requestMaxBytes(), true);
        JsonBody check = new JsonBody();
        String text = check.string(o, "expires", "expires", 1, 16);
        check.check();
        Duration d = DurationText.parse(text == null ? config.shareDefaultExpiry() : text);
        if (d == null
                || (text != null && text.trim().endsWith("s"))
                || d.compareTo(MIN_SHARE) < 0
                || d.compareTo(MAX_SHARE) > 0) {
            check.problem("expires", "must be a number and a unit m, h or d, from 1m to 90d (e.g. 7d, 12h, 30m)");
            check.check();
        }
        ShareService.Shared s = shares.share(caller.get(), id, d);
        return Response.status(201)
                .entity(new ResultAnswers.ShareLink(
                        s.share().getId(),
                        publicBase() + "/v1/shares/" + s.token(),
                        s.share().getExpiresAt()))
                .build();
    }

    /**
     * Where clients reach this service: {@code aitbc.public.url}, else this server's own address
     * (the port the request came in on, at localhost). Never the request's Host header, which
     * the client chooses: a link built on it could point anywhere.
     */
    private String publicBase() {
        return config.publicUrl()
                .orElseGet(() -> (http.isSecure() ? "https" : "http") + "://localhost:" + http.getLocalPort()
                        + http.getContextPath().replaceAll("/+$", ""));
    }

    @GET
    @Path("shares")
    @Operation(summary = "The job's share links (never their tokens)")
    @APIResponse(responseCode = "200", description = "{shares: [{share_id, created_at, expires_at, revoked_at}]}")
    public ResultAnswers.ShareList shares(@PathParam("id") String id) {
        return new ResultAnswers.ShareList(shares.shares(caller.get(), id).stream()
                .map(s -> new ResultAnswers.ShareView(s.getId(), s.getCreatedAt(), s.getExpiresAt(), s.getRevokedAt()))
                .toList());
    }

    @DELETE
    @Path("shares/{share_id}")
    @Operation(summary = "Revoke a share link")
    @APIResponse(responseCode = "200", description = "{share_id, revoked_at}")
    @APIResponse(responseCode = "404", description = "SHARE_NOT_FOUND")
    public ResultAnswers.ShareRevoked revoke(@PathParam("id") String id, @PathParam("share_id") String shareId) {
        Share s = shares.revoke(caller.get(), id, shareId);
        return new ResultAnswers.ShareRevoked(s.getId(), s.getRevokedAt());
    }
}
