package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.InputFiles;
import org.aitbc.coordinator.application.MinerCommands;
import org.aitbc.coordinator.application.MinerService;
import org.aitbc.coordinator.application.MinerSession;
import org.aitbc.coordinator.application.ResultUploads;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.feed.PollNotifier;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;
import org.aitbc.coordinator.wire.MinerAnswers;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The miner protocol. The miner's id is the {@code X-Miner-ID} header, else the
 * {@code miner_id} query parameter, else the one miner id the account registered (if it
 * registered exactly one), else the id of the miner account itself. A call may name the session
 * it belongs to in {@code X-Miner-Session} (the {@code session_token} its registration answered):
 * a session that is not the miner's latest is 409 {@code LEASE_LOST}. Writes about a job may name
 * the attempt they belong to in {@code X-Job-Attempt}.
 */
@Path("/v1/miners")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Allowed(Role.MINER)
@APIResponse(responseCode = "401", description = "UNAUTHENTICATED: no or unknown X-Api-Key")
@APIResponse(responseCode = "403", description = "FORBIDDEN: a key of another role")
@APIResponse(responseCode = "429", description = "RATE_LIMITED, with Retry-After")
@Tag(name = "miners")
public class MinerResource {
    private static final Pattern MINER_ID = Pattern.compile("^[A-Za-z0-9_.:@-]{1,100}$");
    private static final long RECHECK_MS = 500;

    @EJB
    MinerService service;

    @Inject
    MinerCommands commands;

    @Inject
    ResultUploads uploads;

    @Inject
    InputFiles inputs;

    @Inject
    CurrentCaller caller;

    @Inject
    CoordinatorConfig config;

    @Inject
    PollNotifier notifier;

    @HeaderParam("X-Miner-ID")
    String minerHeader;

    @QueryParam("miner_id")
    String minerQuery;

    @HeaderParam("X-Job-Attempt")
    String attemptHeader;

    /** The session_token of the registration the calling process made; optional (older miners send none). */
    @HeaderParam("X-Miner-Session")
    String sessionHeader;

    @Inject
    MinerSession session;

    /**
     * The miner id the call names (null: none, and the application chooses: the one id the
     * account registered, else the account's own id). Also hands the session the call names to
     * the application, which every miner call reaches through this method.
     */
    @Context
    HttpServletRequest http;

    private String minerId() {
        session.set(sessionHeader);
        // Checked before trimming, which would drop a NUL or line break silently.
        ListFilters.plain("miner_id", minerHeader);
        ListFilters.plain("miner_id", minerQuery);
        String id = minerHeader != null && !minerHeader.isBlank()
                ? minerHeader.trim()
                : minerQuery != null && !minerQuery.isBlank() ? minerQuery.trim() : null;
        if (id == null) {
            return null;
        }
        if (!MINER_ID.matcher(id).matches()) {
            throw CoordinatorException.badParameter(
                    "miner_id", "must be 1 to 100 letters, digits or . _ : @ - characters");
        }
        return id;
    }

    private Integer attempt() {
        return attemptHeader == null || attemptHeader.isBlank()
                ? null
                : ListFilters.intParam("X-Job-Attempt", attemptHeader, 1, Integer.MAX_VALUE);
    }

    /** Who writes about a job: the caller, the miner it acts as, and the attempt it names (if it does). */
    private record Writer(Caller caller, String minerId, Integer attempt) {}

    /** Read after the body was checked, so that a bad body is answered before a bad miner id or attempt. */
    private Writer writer() {
        return new Writer(caller.get(), minerId(), attempt());
    }

    private JsonObject object(InputStream in, boolean emptyIsObject) {
        return JsonBody.object(in, config.requestMaxBytes(), emptyIsObject);
    }

    private static MinerAnswers.Done done(Job job) {
        return new MinerAnswers.Done("ok", job.getId(), job.getState().wire());
    }

    @POST
    @Path("register")
    @Operation(
            summary = "Register a miner and start its session",
            description =
                    "Accepts the marketplace miners' shapes: {capabilities: {gpus: [{name, memory_mb, ...}], cuda,"
                            + " models, price, region, platform, supported_tasks, max_concurrent_jobs, gpu_count}, concurrency,"
                            + " region}; {capabilities: {gpu: {model, memory_gb, cuda_version}, compute: {type, platform,"
                            + " supported_tasks, max_concurrent_jobs}}}; and {capabilities: {gpu: NAME, vram_gb: N}}. Fields"
                            + " it does not read are kept with the miner (GET /v1/admin/miners/{id}); only wrong types of the"
                            + " fields it reads are refused. Each registration starts a new session: the jobs the previous"
                            + " session held are requeued at once, and calls naming the old session_token"
                            + " (X-Miner-Session) are 409 LEASE_LOST.")
    @APIResponse(responseCode = "200", description = "{\"status\": \"ok\", \"miner_id\": ..., \"session_token\": ...}")
    @APIResponse(responseCode = "403", description = "FORBIDDEN: the miner id belongs to another account")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED, naming the field")
    public MinerAnswers.Registered register(InputStream body) {
        JsonObject o = object(body, true);
        MinerRegistration parsed = MinerRegistration.parse(o, config.gpuRates().keySet());
        MinerService.Registration done = commands.register(caller.get(), minerId(), parsed.profile(), parsed.details());
        return new MinerAnswers.Registered("ok", done.miner().getId(), done.sessionToken());
    }

    @POST
    @Path("heartbeat")
    @Operation(
            summary = "Renew the leases of the miner's jobs",
            description =
                    "{inflight, status, metadata}; " + "answers the ids of the miner's jobs that the client canceled.")
    @APIResponse(responseCode = "200", description = "{\"status\": \"ok\", \"cancel_job_ids\": [...]}")
    public MinerAnswers.Heartbeat heartbeat(InputStream body) {
        JsonObject o = object(body, true);
        JsonBody check = new JsonBody();
        Integer inflight = check.integer(o, "inflight", "inflight", 0, 1_000_000);
        // The production miner's name for the same count.
        Integer current = check.integer(o, "current_jobs", "current_jobs", 0, 1_000_000);
        String status = check.string(o, "status", "status", 0, 64);
        check.object(o, "metadata", "metadata");
        String telemetry = o.toString();
        if (telemetry.length() > MinerRegistration.MAX_KEPT_CHARS) {
            check.problem(
                    "(body)",
                    "a heartbeat is kept as telemetry: at most " + MinerRegistration.MAX_KEPT_CHARS
                            + " characters of JSON");
        }
        check.check();
        return new MinerAnswers.Heartbeat(
                "ok",
                commands.heartbeat(caller.get(), minerId(), status, inflight != null ? inflight : current, telemetry));
    }

    @POST
    @Path("poll")
    @Operation(
            summary = "Claim the best matching pending job",
            description = "Waits up to max_wait_seconds "
                    + "(0-30) for a job whose requirements this miner meets; higher priority first, then oldest.")
    @APIResponse(
            responseCode = "200",
            description = "{job_id, payload, constraints, attempt, lease_expires_at}",
            content =
                    @Content(
                            mediaType = "application/json",
                            schema = @Schema(implementation = MinerAnswers.Assignment.class)))
    @APIResponse(responseCode = "204", description = "No matching job within the wait")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED")
    public Response poll(InputStream body) throws InterruptedException {
        JsonObject o = object(body, true);
        JsonBody check = new JsonBody();
        Integer wait = check.integer(o, "max_wait_seconds", "max_wait_seconds", 0, config.pollMaxWaitSeconds());
        check.check();
        String id = minerId();
        long deadline = System.currentTimeMillis() + (wait == null ? 0 : wait) * 1000L;
        boolean waited = false;
        while (true) {
            long seen = notifier.generation();
            Job job = service.tryClaim(caller.get(), id);
            if (job != null) {
                if (waited) {
                    // Woken for a job and got one: there may be more (PollNotifier wakes one at a time).
                    notifier.passOn();
                }
                return Response.ok(new MinerAnswers.Assignment(
                                job.getId(),
                                JobResource.json(job.getPayloadJson()),
                                JobResource.json(job.getConstraintsJson()),
                                job.getAttempt(),
                                job.getLeaseExpiresAt()))
                        .build();
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return Response.noContent().build();
            }
            notifier.await(seen, Math.min(left, RECHECK_MS));
            waited = true;
        }
    }

    @GET
    @Path("{job_id}/input")
    @Produces(MediaType.WILDCARD)
    @Operation(
            summary = "Read the job's uploaded input file",
            description = "Streams the file the client uploaded through POST /v1/files and named as the job's "
                    + "input; one Range (bytes=a-b) is answered 206. Only while the miner holds the job.")
    @APIResponse(responseCode = "200", description = "The file's bytes (ETag: its SHA-256)")
    @APIResponse(responseCode = "206", description = "The requested range")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND, or FILE_NOT_FOUND: the job has no input file")
    @APIResponse(responseCode = "409", description = "LEASE_LOST: this miner does not hold the job")
    public Response input(
            @PathParam("job_id") String jobId,
            @HeaderParam("Range") String range,
            @HeaderParam("If-None-Match") String ifNoneMatch) {
        Writer w = writer();
        InputFiles.Input in = inputs.forMiner(w.caller(), w.minerId(), jobId, w.attempt());
        return RangedBody.respond(
                in.bytes()::writeTo,
                in.bytes()::writeRange,
                in.sizeBytes(),
                in.sha256(),
                MediaType.APPLICATION_OCTET_STREAM,
                in.fileId(),
                ifNoneMatch,
                range);
    }

    @PUT
    @Path("{job_id}/files/{path: .+}")
    @Consumes(MediaType.WILDCARD)
    @Operation(
            summary = "Upload one result file",
            description = "Streams the body to storage as PATH of the job's "
                    + "results (result.txt, logs/stdout.log, artifacts/model.bin, ...), computing its SHA-256 on the way; "
                    + "a second upload of the same path replaces it atomically. Allowed while the miner holds the job, "
                    + "including while it is canceling (partial results).")
    @APIResponse(responseCode = "200", description = "{path, size_bytes, sha256}")
    @APIResponse(
            responseCode = "400",
            description = "INVALID_PARAMETER: the path (no .., no absolute path, no backslash)")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(
            responseCode = "409",
            description = "LEASE_LOST; PATH_CONFLICT: the path is a stored folder, a folder of it is a stored file, "
                    + "or it is reserved (.staging/, output.json/, result.txt/)")
    @APIResponse(responseCode = "413", description = "PAYLOAD_TOO_LARGE: over aitbc.results.max.file.bytes")
    public MinerAnswers.Stored upload(
            @PathParam("job_id") String jobId,
            @PathParam("path") String path,
            @HeaderParam("Content-Length") String contentLength,
            InputStream body) {
        ResultUploads.checkReserved(path);
        String problem = ResultUploads.pathProblem(path);
        if (problem != null) {
            throw CoordinatorException.badParameter("path", problem);
        }
        if (contentLength != null && contentLength.trim().matches("\\d{1,18}")) {
            uploads.checkDeclaredLength(Long.parseLong(contentLength.trim()));
        } else if (http.getHeader("Transfer-Encoding") == null) {
            // Neither a length nor chunks: the container hides a Content-Length it could not parse
            // (-1, x), and would hand over an empty body, stored as an empty file. HTTP/1.1 clients
            // frame every upload one way or the other (an empty file is Content-Length: 0).
            throw CoordinatorException.badParameter(
                    "Content-Length", "must be a whole number of bytes (or send the body chunked)");
        }
        Writer w = writer();
        ResultStore.Written stored = uploads.upload(w.caller(), w.minerId(), jobId, w.attempt(), path, body);
        return new MinerAnswers.Stored(path, stored.sizeBytes(), stored.sha256());
    }

    @Inject
    org.aitbc.coordinator.application.LogAppends logAppends;

    @POST
    @Path("{job_id}/logs")
    @Consumes(MediaType.WILDCARD)
    @Operation(
            summary = "Append to the job's live logs",
            description =
                    "{stream: stdout|stderr, data} as JSON, or the bytes as the body (text/plain, ...) with "
                            + "?stream=. X-Log-Offset (optional) is where the bytes go: the stream's end appends, an offset "
                            + "below it whose bytes are stored already is acknowledged without writing them again, anything "
                            + "else is 409 LOG_OFFSET_CONFLICT naming the end. Past aitbc.logs.max.bytes a stream keeps its tail.")
    @APIResponse(
            responseCode = "200",
            description = "{offset, next_offset, end, written, duplicate, truncated, kept_from, message}")
    @APIResponse(responseCode = "400", description = "INVALID_PARAMETER: stream, X-Log-Offset")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "LEASE_LOST; LOG_OFFSET_CONFLICT")
    @APIResponse(responseCode = "413", description = "PAYLOAD_TOO_LARGE: over aitbc.logs.max.append.bytes")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED: stream, data")
    public org.aitbc.coordinator.wire.LogAnswers.Appended appendLog(
            @PathParam("job_id") String jobId,
            @QueryParam("stream") String stream,
            @HeaderParam(LogRoutes.OFFSET_HEADER) String offset,
            InputStream body) {
        LogRoutes.Append a = LogRoutes.append(mediaType(), stream, offset, body, config.logsMaxAppendBytes());
        Writer w = writer();
        return LogRoutes.answer(
                jobId,
                a.stream(),
                logAppends.append(w.caller(), w.minerId(), jobId, w.attempt(), a.stream(), a.offset(), a.data()),
                config.logsMaxBytes());
    }

    private MediaType mediaType() {
        String type = http.getContentType();
        try {
            return type == null || type.isBlank() ? null : MediaType.valueOf(type);
        } catch (IllegalArgumentException e) {
            throw CoordinatorException.badParameter("Content-Type", "is not a media type");
        }
    }

    @POST
    @Path("{job_id}/start")
    @Operation(summary = "Report that work on the job started")
    @APIResponse(responseCode = "200", description = "{status: ok, job_id, job_status}")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "LEASE_LOST: this miner no longer holds the job")
    public MinerAnswers.Done start(@PathParam("job_id") String jobId) {
        Writer w = writer();
        return done(commands.start(w.caller(), w.minerId(), jobId, w.attempt()));
    }

    @POST
    @Path("{job_id}/progress")
    @Operation(
            summary = "Report progress",
            description = "{progress: 0-100, message, estimated_completion}; "
                    + "renews the lease and answers whether the client asked to cancel.")
    @APIResponse(responseCode = "200", description = "{status: ok, cancel_requested}")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "LEASE_LOST")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED")
    public MinerAnswers.Progress progress(@PathParam("job_id") String jobId, InputStream body) {
        JsonObject o = object(body, false);
        JsonBody check = new JsonBody();
        Integer progress = check.integer(o, "progress", "progress", 0, 100);
        if (progress == null
                && check.problems().stream().noneMatch(p -> p.field().equals("progress"))) {
            // Missing and null alike: a report without a number has nothing to record.
            check.problem("progress", "is required: a whole number from 0 to 100");
        }
        String message = check.text(o, "message", "message", 0, 1000);
        Instant eta = null;
        String etaText = check.string(o, "estimated_completion", "estimated_completion", 1, 64);
        if (etaText != null) {
            try {
                eta = Instant.parse(etaText);
            } catch (DateTimeParseException e) {
                check.problem("estimated_completion", "must be a UTC time like 2026-02-13T10:30:00Z");
            }
        }
        check.check();
        Writer w = writer();
        return new MinerAnswers.Progress(
                "ok", commands.progress(w.caller(), w.minerId(), jobId, w.attempt(), progress, message, eta));
    }

    @POST
    @Path("{job_id}/result")
    @Operation(
            summary = "Deliver the result and complete the job",
            description = "{result: {...}, metrics: {...}}; "
                    + "a job that never started goes through running; a canceling job ends canceled, keeping the result."
                    + " {result: {status: \"failed\", error, error_code}} fails the job instead, exactly as /fail"
                    + " (error code MINER_FAILED unless one is given).")
    @APIResponse(responseCode = "200", description = "{status: ok, job_id, job_status}")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "LEASE_LOST")
    public MinerAnswers.Done result(@PathParam("job_id") String jobId, InputStream body) {
        JsonObject o = object(body, false);
        JsonBody check = new JsonBody();
        // The result is an object ({output, ...}, or {status: failed, error}) or absent: an array or a
        // bare value is refused by name rather than stored as something the client cannot read back.
        JsonObject result = check.object(o, "result", "result");
        JsonObject metrics = check.object(o, "metrics", "metrics");
        String outcome = null;
        String code = null;
        String error = null;
        if (result != null) {
            JsonObject r = result;
            outcome = check.string(r, "status", "result.status", 0, 64);
            if ("failed".equalsIgnoreCase(outcome)) {
                code = check.string(r, "error_code", "result.error_code", 1, 64);
                error = check.string(r, "error", "result.error", 0, 2000);
            }
        }
        Boolean retryable = result == null ? null : retryable(result, "result.retryable", check);
        check.check();
        Writer w = writer();
        if ("failed".equalsIgnoreCase(outcome)) {
            // The marketplace's miners report failure through /result: the same as /fail.
            return done(commands.fail(w.caller(), w.minerId(), jobId, w.attempt(), code, error, retryable));
        }
        return done(commands.complete(
                w.caller(),
                w.minerId(),
                jobId,
                w.attempt(),
                result == null ? "null" : result.toString(),
                metrics == null ? null : metrics.toString()));
    }

    @POST
    @Path("{job_id}/fail")
    @Operation(
            summary = "Report that the job failed (or acknowledge a cancel)",
            description = "{error_code, error_message, retryable}; retryable true (or an error code the "
                    + "operator lists, by default GPU_ERROR, OUT_OF_MEMORY, MINER_SHUTDOWN) makes it the miner's fault: "
                    + "the job is requeued for another attempt after a back-off, on another miner when one matches, "
                    + "and the attempt is not billed. retryable false overrides the list.")
    @APIResponse(responseCode = "200", description = "{status: ok, job_id, job_status}")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "LEASE_LOST")
    public MinerAnswers.Done fail(@PathParam("job_id") String jobId, InputStream body) {
        JsonObject o = object(body, true);
        JsonBody check = new JsonBody();
        String code = check.string(o, "error_code", "error_code", 1, 64);
        String message = check.text(o, "error_message", "error_message", 0, 2000);
        Boolean retryable = retryable(o, "retryable", check);
        check.check();
        Writer w = writer();
        return done(commands.fail(w.caller(), w.minerId(), jobId, w.attempt(), code, message, retryable));
    }

    /** A failure's {@code retryable}: true, false, or null when not given. */
    private static Boolean retryable(JsonObject o, String path, JsonBody check) {
        JsonValue v = o.get("retryable");
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() == JsonValue.ValueType.TRUE || v.getValueType() == JsonValue.ValueType.FALSE) {
            return v.getValueType() == JsonValue.ValueType.TRUE;
        }
        check.problem(path, "must be true or false");
        return null;
    }
}
