package org.aitbc.coordinator.interfaces.rest;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.application.JobCommands;
import org.aitbc.coordinator.application.JobService;
import org.aitbc.coordinator.application.WebhookService;
import org.aitbc.coordinator.domain.Days;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobQuery;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.security.Ids;
import org.aitbc.coordinator.interfaces.mapping.JobViews;
import org.aitbc.coordinator.interfaces.mapping.WebhookViews;
import org.aitbc.coordinator.wire.BatchAnswer;
import org.aitbc.coordinator.wire.DailyJobStats;
import org.aitbc.coordinator.wire.EventList;
import org.aitbc.coordinator.wire.JobList;
import org.aitbc.coordinator.wire.JobResult;
import org.aitbc.coordinator.wire.JobStats;
import org.aitbc.coordinator.wire.JobView;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

/** The client's API for jobs: submit, read, list, follow and cancel. */
@Path("/v1/jobs")
@RequestScoped
@Produces(MediaType.APPLICATION_JSON)
@Allowed({Role.CLIENT, Role.ADMIN})
@APIResponse(responseCode = "401", description = "UNAUTHENTICATED: no or unknown X-Api-Key")
@APIResponse(responseCode = "403", description = "FORBIDDEN: a key of another role")
@APIResponse(responseCode = "429", description = "RATE_LIMITED, with Retry-After")
@Tag(name = "jobs")
public class JobResource {
    @EJB
    JobService service;

    @Inject
    JobCommands commands;

    @EJB
    WebhookService webhooks;

    @Inject
    JobRequests requests;

    @Inject
    CurrentCaller caller;

    @Inject
    CoordinatorConfig config;

    @POST
    @Allowed(Role.CLIENT)
    @Operation(
            summary = "Submit a job",
            description = "Accepts the current form {model, input, requirements, "
                    + "priority, timeout_seconds, ttl_seconds} or the older {payload, constraints, ttl_seconds}. "
                    + "Requirements and constraints may also hold cuda (a minimum version) and max_price; the older "
                    + "constraints.gpu is a GPU name. A large input is {\"file_id\": ...} from POST /v1/files. "
                    + "An Idempotency-Key header makes a retry return the first job (200).")
    @APIResponse(
            responseCode = "201",
            description = "The new job, with estimated_cost and estimated_time_seconds",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobView.class)))
    @APIResponse(
            responseCode = "200",
            description = "A retry with the same Idempotency-Key: the first job",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "400", description = "MALFORMED_JSON")
    @APIResponse(responseCode = "413", description = "PAYLOAD_TOO_LARGE")
    @APIResponse(
            responseCode = "422",
            description = "VALIDATION_FAILED (fields name each problem), UNSUPPORTED_CONSTRAINT (a constraint "
                    + "this coordinator cannot enforce, named in fields) or IDEMPOTENCY_MISMATCH")
    @APIResponse(responseCode = "404", description = "FILE_NOT_FOUND: the input's file_id is not the caller's file")
    public Response submit(@HeaderParam("Idempotency-Key") String idempotencyKey, InputStream body) {
        String text = JsonBody.text(body, config.requestMaxBytes());
        JsonValue parsed = JsonBody.parse(text, false);
        if (parsed.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new CoordinatorException(Kind.MALFORMED, "MALFORMED_JSON", "the request body must be a JSON object");
        }
        JsonBody check = new JsonBody();
        Job.Spec spec = requests.parse(parsed.asJsonObject(), "", check);
        String callback = callbackUrl(parsed.asJsonObject(), "", check);
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.trim();
        if (key != null && key.length() > 200) {
            check.problem("Idempotency-Key", "must be at most 200 characters");
        } else if (key != null && idempotencyKey.chars().anyMatch(Character::isISOControl)) {
            check.problem("Idempotency-Key", "must not contain control characters");
        }
        check.check();
        JobService.Submitted submitted =
                commands.submit(caller.get(), spec, key, Ids.sha256Hex(parsed.toString()), callback);
        if (submitted.callback() != null) {
            // The callback's signing secret is shown in this one answer, as a webhook's is.
            return Response.status(201)
                    .entity(WebhookViews.withCallback(
                            JobViews.of(submitted.job()),
                            WebhookViews.of(
                                    submitted.callback().webhook(),
                                    submitted.callback().secret())))
                    .build();
        }
        return Response.status(submitted.created() ? 201 : 200)
                .entity(JobViews.of(submitted.job()))
                .build();
    }

    @POST
    @Path("batch")
    @Allowed(Role.CLIENT)
    @Operation(
            summary = "Submit several jobs at once",
            description = "A JSON array of submissions; all are "
                    + "created or none. Problems are named by index, e.g. [2].model.")
    @APIResponse(
            responseCode = "201",
            description = "{\"jobs\": [...]} in the order given",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = BatchAnswer.class)))
    @APIResponse(responseCode = "400", description = "MALFORMED_JSON")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED")
    public Response batch(InputStream body) {
        JsonValue parsed = JsonBody.parse(JsonBody.text(body, config.requestMaxBytes() * 4), false);
        if (parsed.getValueType() != JsonValue.ValueType.ARRAY) {
            throw new CoordinatorException(
                    Kind.MALFORMED, "MALFORMED_JSON", "the request body must be a JSON array of jobs");
        }
        JsonArray array = parsed.asJsonArray();
        JsonBody check = new JsonBody();
        if (array.isEmpty()) {
            check.problem("jobs", "must contain at least one job");
        }
        if (array.size() > config.batchMaxJobs()) {
            check.problem("jobs", "must contain at most " + config.batchMaxJobs() + " jobs");
        }
        check.check();
        List<Job.Spec> specs = new ArrayList<>();
        for (int i = 0; i < array.size(); i++) {
            JsonValue v = array.get(i);
            if (v.getValueType() != JsonValue.ValueType.OBJECT) {
                check.problem("[" + i + "]", "must be a JSON object");
                continue;
            }
            specs.add(requests.parse(v.asJsonObject(), "[" + i + "].", check));
            if (v.asJsonObject().containsKey("callback_url")) {
                // Its secret would have no place in the batch's answer: one webhook serves a batch.
                check.problem(
                        "[" + i + "].callback_url",
                        "is not accepted in a batch; register one webhook with POST /v1/webhooks instead");
            }
        }
        check.check();
        List<JobView> views = service.submitBatch(caller.get(), specs).stream()
                .map(JobViews::of)
                .toList();
        return Response.status(201).entity(new BatchAnswer(views)).build();
    }

    @GET
    @Operation(
            summary = "List jobs, newest first",
            description = "Filters: status (comma-separated; also the older upper-case QUEUED, RUNNING, "
                    + "COMPLETED, FAILED, CANCELED), days, from/to (inclusive UTC dates), job_type (the payload's "
                    + "type), limit (1-1000), cursor (next_cursor of the previous page) or, as the older API, "
                    + "offset (0-10000; the answer then also carries items, limit and offset).")
    @APIResponse(responseCode = "400", description = "INVALID_PARAMETER names the bad filter")
    @APIResponse(responseCode = "200", description = "OK")
    public JobList list(
            @QueryParam("status") String status,
            @QueryParam("days") String days,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor,
            @QueryParam("offset") String offset,
            @QueryParam("job_type") String jobType) {
        JobQuery query = ListFilters.parse(status, days, from, to, cursor, jobType);
        int max = ListFilters.limit(limit);
        Integer skip = ListFilters.offset(offset, cursor);
        JobService.Page page = service.list(caller.get(), query, max, skip == null ? 0 : skip);
        String next = null;
        if (page.hasMore()) {
            Job last = page.jobs().get(page.jobs().size() - 1);
            next = ListFilters.cursor(last.getCreatedMs(), last.getId());
        }
        List<JobView> views = page.jobs().stream().map(JobViews::of).toList();
        return skip == null
                ? new JobList(views, page.total(), page.hasMore(), next, null, null, null)
                : new JobList(views, page.total(), page.hasMore(), next, views, max, skip);
    }

    /**
     * A submission's {@code callback_url}: a one-job webhook told of the job's end, under the
     * rules of {@code POST /v1/webhooks} (422 naming the field otherwise; nothing is created).
     */
    private String callbackUrl(JsonObject body, String prefix, JsonBody check) {
        String url = check.string(body, "callback_url", prefix + "callback_url", 1, 2048);
        if (url != null) {
            try {
                webhooks.checkUrl(prefix + "callback_url", url);
            } catch (CoordinatorException e) {
                e.fields().forEach(f -> check.problem(f.field(), f.message()));
            }
        }
        return url;
    }

    @GET
    @Path("history")
    @Operation(summary = "Job history by date range", description = "The same list as GET /v1/jobs.")
    @APIResponse(responseCode = "400", description = "INVALID_PARAMETER names the bad filter")
    @APIResponse(responseCode = "200", description = "OK")
    public JobList history(
            @QueryParam("status") String status,
            @QueryParam("days") String days,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("limit") String limit,
            @QueryParam("cursor") String cursor,
            @QueryParam("offset") String offset,
            @QueryParam("job_type") String jobType) {
        return list(status, days, from, to, limit, cursor, offset, jobType);
    }

    @GET
    @Path("export")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    @Operation(
            summary = "Export every matching job",
            description = "format=json (one array of job views) or "
                    + "csv (header row, RFC 4180 quoting), with the list filters status, days, from, to, job_type. "
                    + "Streamed.")
    @APIResponse(responseCode = "200", description = "The jobs, newest first")
    @APIResponse(responseCode = "400", description = "INVALID_PARAMETER names the bad filter or format")
    public Response export(
            @QueryParam("format") String format,
            @QueryParam("status") String status,
            @QueryParam("days") String days,
            @QueryParam("from") String from,
            @QueryParam("to") String to,
            @QueryParam("job_type") String jobType) {
        ListFilters.plain("format", format);
        String f = format == null || format.isBlank() ? "json" : format.trim().toLowerCase(java.util.Locale.ROOT);
        if (!f.equals("json") && !f.equals("csv")) {
            throw CoordinatorException.badParameter("format", "must be json or csv");
        }
        JobQuery query = ListFilters.parse(status, days, from, to, null, jobType);
        var who = caller.get();
        return Response.ok(JobExport.stream(f, query, (q, limit) -> service.exportPage(who, q, limit)))
                .type(f.equals("csv") ? "text/csv; charset=UTF-8" : MediaType.APPLICATION_JSON)
                .header("Content-Disposition", "attachment; filename=\"jobs." + f + "\"")
                .build();
    }

    @GET
    @Path("stats")
    @Operation(
            summary = "Statistics",
            description = "total_jobs, by_status (every status), success_rate "
                    + "(completed ÷ ended, 0-1), average_completion_seconds, total_spent; optionally for jobs submitted "
                    + "from/to (inclusive UTC dates) or in the last days. An admin key covers all clients.")
    @APIResponse(responseCode = "400", description = "INVALID_PARAMETER")
    @APIResponse(responseCode = "200", description = "OK")
    public JobStats stats(
            @QueryParam("from") String from, @QueryParam("to") String to, @QueryParam("days") String days) {
        JobQuery q = ListFilters.parse(null, days, from, to, null);
        long fromDay = q.fromMs() == null ? 0 : Days.epochDay(q.fromMs());
        long today = Days.epochDay(System.currentTimeMillis());
        long toDay = q.toMs() == null ? today : Days.epochDay(q.toMs() - 1);
        JobStats s = service.stats(caller.get(), fromDay, toDay);
        return new JobStats(
                s.totalJobs(),
                s.byStatus(),
                s.successRate(),
                s.averageCompletionSeconds(),
                s.totalSpent(),
                q.fromMs() == null ? null : s.from(),
                q.toMs() == null ? null : s.to());
    }

    /** The longest range {@code stats/daily} answers: two years of days, a chart's worth. */
    static final int MAX_DAILY_DAYS = 731;

    @GET
    @Path("stats/daily")
    @Operation(
            summary = "Statistics per day",
            description = "Ended jobs per UTC day of submission from/to (inclusive dates; default the last 30 days"
                    + " to today, at most " + MAX_DAILY_DAYS + " days): by final status, total, success rate, average"
                    + " completion seconds and spend, every day present. From the same per-day counters as /stats."
                    + " An admin key covers all clients.")
    @APIResponse(responseCode = "400", description = "INVALID_PARAMETER names from or to")
    @APIResponse(responseCode = "200", description = "{from, to, days: [...]}")
    public DailyJobStats dailyStats(@QueryParam("from") String from, @QueryParam("to") String to) {
        JobQuery q = ListFilters.parse(null, null, from, to, null);
        long today = Days.epochDay(System.currentTimeMillis());
        long toDay = q.toMs() == null ? today : Days.epochDay(q.toMs() - 1);
        long fromDay = q.fromMs() == null ? toDay - 29 : Days.epochDay(q.fromMs());
        if (toDay - fromDay + 1 > MAX_DAILY_DAYS) {
            throw CoordinatorException.badParameter(
                    from == null || from.isBlank() ? "to" : "from",
                    "spans " + (toDay - fromDay + 1) + " days; at most " + MAX_DAILY_DAYS + " are answered per call");
        }
        return service.dailyStats(caller.get(), Math.max(0, fromDay), toDay);
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One job with its status, progress, times, costs and result summary")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND (also for another client's job)")
    @APIResponse(responseCode = "200", description = "OK")
    public JobView get(@PathParam("id") String id) {
        return JobViews.detail(service.detail(caller.get(), id));
    }

    @POST
    @Path("{id}/retry")
    @Allowed(Role.CLIENT)
    @Operation(
            summary = "Retry a failed or canceled job",
            description = "Submits a new job with the same spec (priced now), linked both ways: retry_of on the new "
                    + "job, retried_by on the old. No body, or {}. An Idempotency-Key header makes a repeated call "
                    + "return the first retry (200). A job already retried is 409: retry the newer one.")
    @APIResponse(
            responseCode = "201",
            description = "The new job",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobView.class)))
    @APIResponse(
            responseCode = "200",
            description = "A repeat with the same Idempotency-Key: the first retry",
            content = @Content(mediaType = "application/json", schema = @Schema(implementation = JobView.class)))
    @APIResponse(responseCode = "402", description = "BUDGET_EXCEEDED: the month's budget has no room for it")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "INVALID_STATE: the job is not failed or canceled")
    @APIResponse(responseCode = "422", description = "VALIDATION_FAILED (a body field) or IDEMPOTENCY_MISMATCH")
    public Response retry(
            @PathParam("id") String id, @HeaderParam("Idempotency-Key") String idempotencyKey, InputStream body) {
        JsonValue parsed = JsonBody.parse(JsonBody.text(body, config.requestMaxBytes()), true);
        if (parsed.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new CoordinatorException(Kind.MALFORMED, "MALFORMED_JSON", "the request body must be a JSON object");
        }
        JsonBody check = new JsonBody();
        for (String k : parsed.asJsonObject().keySet()) {
            check.problem(k, "is not accepted: a retry repeats the job's own spec");
        }
        String key = idempotencyKey == null || idempotencyKey.isBlank() ? null : idempotencyKey.trim();
        if (key != null && key.length() > 200) {
            check.problem("Idempotency-Key", "must be at most 200 characters");
        } else if (key != null && idempotencyKey.chars().anyMatch(Character::isISOControl)) {
            check.problem("Idempotency-Key", "must not contain control characters");
        }
        check.check();
        JobService.Submitted done = commands.retry(caller.get(), id, key, Ids.sha256Hex("retry " + id));
        return Response.status(done.created() ? 201 : 200)
                .entity(JobViews.of(done.job()))
                .build();
    }

    @Inject
    ResultResource resultRoutes;

    /** download, checksum, verify, results, share and shares of one job. */
    @Path("{id}")
    public ResultResource results() {
        return resultRoutes;
    }

    @GET
    @Path("{id}/events")
    @Operation(summary = "The job's recorded events in order, after the given event id")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "200", description = "OK")
    public EventList events(
            @PathParam("id") String id, @QueryParam("after") String after, @QueryParam("limit") String limit) {
        long afterId = after == null || after.isBlank() ? 0 : ListFilters.longParam("after", after, 0);
        int max = limit == null || limit.isBlank() ? 1000 : ListFilters.intParam("limit", limit, 1, 10_000);
        return new EventList(service.events(caller.get(), id, afterId, max).stream()
                .map(JobViews::of)
                .toList());
    }

    @Inject
    org.aitbc.coordinator.application.JobLogs logs;

    @GET
    @Path("{id}/logs")
    @Produces(MediaType.WILDCARD)
    @Operation(
            summary = "The job's live logs from an offset; with follow=true, new bytes as they are appended",
            description = "?stream=stdout|stderr (stdout), offset=N (0): plain text from byte N (from the first kept "
                    + "byte when N is lower), X-Log-Start-Offset where it begins, X-Log-Next-Offset where to resume, "
                    + "X-Log-Complete whether the job ended. follow=true streams (chunked) until the job ends.")
    @APIResponse(responseCode = "200", description = "text/plain")
    @APIResponse(responseCode = "400", description = "INVALID_PARAMETER: stream, offset, follow")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "410", description = "LOGS_GONE: deleted with the results")
    @APIResponse(responseCode = "416", description = "OFFSET_PAST_END")
    @APIResponse(responseCode = "503", description = "TOO_MANY_FOLLOWERS: aitbc.logs.max.followers, with Retry-After")
    public jakarta.ws.rs.core.Response logs(
            @PathParam("id") String id,
            @QueryParam("stream") String stream,
            @QueryParam("offset") String offset,
            @QueryParam("follow") String follow,
            @jakarta.ws.rs.core.Context jakarta.servlet.http.HttpServletResponse servlet) {
        return LogRoutes.read(
                logs, caller.get(), id, stream, offset, follow, config.logsMaxFollowers(), servlet::flushBuffer);
    }

    @GET
    @Path("{id}/result")
    @Operation(summary = "The JSON result and metrics the miner delivered")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "RESULT_NOT_READY")
    @APIResponse(responseCode = "200", description = "OK")
    public JobResult result(@PathParam("id") String id) {
        Job job = service.get(caller.get(), id);
        if (!job.getState().isFinal() || job.getResultJson() == null) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "RESULT_NOT_READY",
                    "job " + id + " is " + job.getState().wire() + " and has no result yet");
        }
        return new JobResult(job.getId(), job.getState().wire(), json(job.getResultJson()), json(job.getMetricsJson()));
    }

    @DELETE
    @Path("{id}")
    @Allowed(Role.CLIENT)
    @Operation(
            summary = "Cancel a job",
            description = "Pending and assigned jobs are canceled at once; a "
                    + "running job becomes canceling until its miner stops. The answer is the job plus "
                    + "\"cancellation\": \"canceling\" | \"canceled\".")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(
            responseCode = "409",
            description = "INVALID_STATE: the job already ended; the message names its state")
    @APIResponse(responseCode = "200", description = "OK")
    public JobView cancel(@PathParam("id") String id) {
        JobService.Canceled c = commands.cancel(caller.get(), id);
        return JobViews.of(c.job())
                .withCancellation(c.outcome() == Job.CancelOutcome.CANCELED ? "canceled" : "canceling");
    }

    @POST
    @Path("{id}/cancel")
    @Allowed(Role.CLIENT)
    @Operation(summary = "Cancel a job (same as DELETE /v1/jobs/{id})")
    @APIResponse(responseCode = "404", description = "JOB_NOT_FOUND")
    @APIResponse(responseCode = "409", description = "INVALID_STATE")
    @APIResponse(responseCode = "200", description = "OK")
    public JobView cancelByPost(@PathParam("id") String id) {
        return cancel(id);
    }

    static JsonValue json(String text) {
        if (text == null) {
            return JsonValue.NULL;
        }
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readValue();
        }
    }
}
