package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.Consumes;
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
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.MinerCommands;
import org.aitbc.coordinator.application.MinerService;
import org.aitbc.coordinator.application.ResultUploads;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.feed.PollNotifier;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;
import org.aitbc.coordinator.wire.MinerAnswers;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/**
 * The miner protocol. The miner's id is the {@code X-Miner-ID} header, else the
 * {@code miner_id} query parameter, else the id of the miner account itself. Writes about a
 * job may name the attempt they belong to in {@code X-Job-Attempt}.
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

    @Context
    HttpServletRequest http;

    private String minerId() {
        // Checked before trimming, which would drop a NUL or line break silently.
        ListFilters.plain("miner_id", minerHeader);
        ListFilters.plain("miner_id", minerQuery);
        String id = minerHeader != null && !minerHeader.isBlank()
                ? minerHeader.trim()
                : minerQuery != null && !minerQuery.isBlank()
                        ? minerQuery.trim()
                        : caller.get().accountId();
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
            summary = "Register or update a miner",
            description = "{capabilities: {gpus: [{name, memory_mb}], " + "models, gpu_count}, concurrency, region}")
    @APIResponse(responseCode = "200", description = "{\"status\": \"ok\", \"miner_id\": ...}")
    @APIResponse(responseCode = "403", description = "FORBIDDEN: the miner id belongs to another account")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED")
    public MinerAnswers.Registered register(InputStream body) {
        JsonObject o = object(body, true);
        JsonBody check = new JsonBody();
        JsonObject caps = check.object(o, "capabilities", "capabilities");
        if (caps == null) {
            caps = JsonValue.EMPTY_JSON_OBJECT;
        }
        Set<String> types = new LinkedHashSet<>();
        int maxVramGb = 0;
        int gpus = 0;
        JsonArray list = check.array(caps, "gpus", "capabilities.gpus");
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).getValueType() != JsonValue.ValueType.OBJECT) {
                    check.problem("capabilities.gpus[" + i + "]", "must be an object {name, memory_mb}");
                    continue;
                }
                JsonObject g = list.get(i).asJsonObject();
                String name = check.string(g, "name", "capabilities.gpus[" + i + "].name", 1, 200);
                Integer mb = check.integer(g, "memory_mb", "capabilities.gpus[" + i + "].memory_mb", 0, 16_777_216);
                addType(types, name);
                maxVramGb = Math.max(maxVramGb, mb == null ? 0 : mb / 1024);
                gpus++;
            }
        } else {
            // The older marketplace miners describe one GPU: {"gpu": "...", "vram_gb": N}.
            String name = check.string(caps, "gpu", "capabilities.gpu", 1, 200);
            if (name != null) {
                addType(types, name);
                gpus = 1;
            }
            Integer vram = check.integer(caps, "vram_gb", "capabilities.vram_gb", 0, 16_384);
            maxVramGb = vram == null ? 0 : vram;
        }
        Integer count = check.integer(caps, "gpu_count", "capabilities.gpu_count", 0, 1024);
        List<String> models = check.strings(caps, "models", "capabilities.models", 200);
        Integer concurrency = check.integer(o, "concurrency", "concurrency", 1, 1024);
        String region = check.string(o, "region", "region", 1, 64);
        if (region == null) {
            region = check.string(caps, "region", "capabilities.region", 1, 64);
        }
        check.check();
        String id = minerId();
        service.register(
                caller.get(),
                id,
                new MinerService.Profile(
                        caps.toString(),
                        new ArrayList<>(types),
                        count != null ? count : gpus,
                        maxVramGb,
                        models,
                        region,
                        concurrency == null ? 1 : concurrency));
        return new MinerAnswers.Registered("ok", id);
    }

    private void addType(Set<String> types, String gpuName) {
        String n = CoordinatorConfig.normaliseGpu(gpuName);
        for (String known : config.gpuRates().keySet()) {
            if (!n.isEmpty() && n.contains(known)) {
                types.add(known);
            }
        }
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
        check.integer(o, "inflight", "inflight", 0, 1_000_000);
        String status = check.string(o, "status", "status", 0, 64);
        check.object(o, "metadata", "metadata");
        check.check();
        return new MinerAnswers.Heartbeat("ok", commands.heartbeat(caller.get(), minerId(), status));
    }

    @POST
    @Path("poll")
    @Operation(
            summary = "Claim the best matching pending job",
            description = "Waits up to max_wait_seconds "
                    + "(0-30) for a job whose requirements this miner meets; higher priority first, then oldest.")
    @APIResponse(responseCode = "200", description = "{job_id, payload, constraints, attempt, lease_expires_at}")
    @APIResponse(responseCode = "204", description = "No matching job within the wait")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED")
    public Response poll(InputStream body) throws InterruptedException {
        JsonObject o = object(body, true);
        JsonBody check = new JsonBody();
        Integer wait = check.integer(o, "max_wait_seconds", "max_wait_seconds", 0, config.pollMaxWaitSeconds());
        check.check();
        String id = minerId();
        long deadline = System.currentTimeMillis() + (wait == null ? 0 : wait) * 1000L;
        while (true) {
            long seen = notifier.generation();
            Job job = service.tryClaim(caller.get(), id);
            if (job != null) {
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
        }
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
            description =
                    "{result: {...}, metrics: {...}}; "
                            + "a job that never started goes through running; a canceling job ends canceled, keeping the result.")
    @APIResponse(responseCode = "200", description = "{status: ok, job_id, job_status}")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "LEASE_LOST")
    public MinerAnswers.Done result(@PathParam("job_id") String jobId, InputStream body) {
        JsonObject o = object(body, false);
        JsonBody check = new JsonBody();
        JsonValue result = o.get("result");
        JsonObject metrics = check.object(o, "metrics", "metrics");
        check.check();
        Writer w = writer();
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
            description = "{error_code, error_message}")
    @APIResponse(responseCode = "200", description = "{status: ok, job_id, job_status}")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "LEASE_LOST")
    public MinerAnswers.Done fail(@PathParam("job_id") String jobId, InputStream body) {
        JsonObject o = object(body, true);
        JsonBody check = new JsonBody();
        String code = check.string(o, "error_code", "error_code", 1, 64);
        String message = check.text(o, "error_message", "error_message", 0, 2000);
        check.check();
        Writer w = writer();
        return done(commands.fail(w.caller(), w.minerId(), jobId, w.attempt(), code, message));
    }
}
