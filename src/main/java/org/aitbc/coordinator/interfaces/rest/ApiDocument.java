package org.aitbc.coordinator.interfaces.rest;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.MediaType;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;

/**
 * Finishes the API description that MicroProfile OpenAPI builds from the resources' annotations
 * and {@code META-INF/openapi.yaml}, so that a generator makes a working client from it:
 *
 * <ul>
 *   <li>every operation gets a stable {@code operationId}, its resource and method
 *       ({@code JobResource.submit} → {@code jobSubmit}), unique across the document;
 *   <li>every request body is described (the resources read bodies as raw streams so that each
 *       field is checked and refused by name, which the scan cannot see): {@link #BODIES};
 *   <li>every 4xx and 5xx answer has the one error shape, {@code ErrorBody}.
 * </ul>
 *
 * Registered by {@code mp.openapi.filter}; runs once, when the document is built.
 */
public class ApiDocument implements OASFilter {
    /** Request bodies by operation id, as schemas of META-INF/openapi.yaml. */
    static final Map<String, String> BODIES = Map.ofEntries(
            Map.entry("jobSubmit", "AnySubmission"),
            Map.entry("jobBatch", "BatchSubmission"),
            Map.entry("adminCreate", "AccountCreation"),
            Map.entry("adminMinerBind", "MinerBinding"),
            Map.entry("resultShare", "ShareRequest"),
            Map.entry("minerRegister", "MinerRegistrationRequest"),
            Map.entry("minerPoll", "PollRequest"),
            Map.entry("minerHeartbeat", "HeartbeatRequest"),
            Map.entry("minerProgress", "ProgressReport"),
            Map.entry("minerResult", "ResultReport"),
            Map.entry("minerFail", "FailureReport"),
            Map.entry("quoteQuote", "AnySubmission"),
            Map.entry("adminBudget", "BudgetRequest"),
            Map.entry("webhookCreate", "WebhookCreation"),
            Map.entry("jobRetry", "RetryRequest"));

    /** Bodies that may be left out. */
    static final java.util.Set<String> OPTIONAL_BODIES = java.util.Set.of("minerPoll", "minerHeartbeat", "jobRetry");

    /** Answers that are bytes, not JSON, by operation id: their media types. */
    static final Map<String, java.util.List<String>> BYTES = Map.of(
            "resultDownload", java.util.List.of("application/zip", "application/octet-stream"),
            "shareDownload", java.util.List.of("application/zip"),
            "minerInput", java.util.List.of("application/octet-stream"),
            "resultChecksum", java.util.List.of("text/plain"),
            "jobExport", java.util.List.of("text/csv", "application/json"),
            "jobLogs", java.util.List.of("text/plain"));

    /** Operations that take no key (the resources marked {@link Public}). */
    static final java.util.Set<String> PUBLIC = java.util.Set.of("shareDownload");

    private static final String SCHEMAS = "#/components/schemas/";

    @Override
    public void filterOpenAPI(OpenAPI api) {
        if (api.getPaths() == null || api.getPaths().getPathItems() == null) {
            return;
        }
        // The values a status or a priority can take, from the domain itself.
        enumerate(
                api,
                "JobView",
                "status",
                java.util.Arrays.stream(org.aitbc.coordinator.domain.JobState.values())
                        .map(org.aitbc.coordinator.domain.JobState::wire));
        enumerate(
                api,
                "JobView",
                "priority",
                java.util.Arrays.stream(org.aitbc.coordinator.domain.Priority.values())
                        .map(org.aitbc.coordinator.domain.Priority::wire));
        Map<String, Integer> seen = new HashMap<>();
        for (Map.Entry<String, PathItem> path : api.getPaths().getPathItems().entrySet()) {
            for (Map.Entry<PathItem.HttpMethod, Operation> entry :
                    path.getValue().getOperations().entrySet()) {
                Operation op = entry.getValue();
                String id = operationId(op.getOperationId(), entry.getKey(), path.getKey());
                int n = seen.merge(id, 1, Integer::sum);
                op.setOperationId(n == 1 ? id : id + n);
                if (PUBLIC.contains(id)) {
                    op.setSecurity(new java.util.ArrayList<>());
                }
                String body = BODIES.get(id);
                if (body != null && op.getRequestBody() == null) {
                    op.setRequestBody(OASFactory.createRequestBody()
                            .required(!OPTIONAL_BODIES.contains(id))
                            .content(json(body)));
                }
                if (op.getResponses() != null && op.getResponses().getAPIResponses() != null) {
                    for (Map.Entry<String, APIResponse> answer :
                            op.getResponses().getAPIResponses().entrySet()) {
                        String code = answer.getKey();
                        if (code.startsWith("4") || code.startsWith("5")) {
                            answer.getValue().setContent(json("ErrorBody"));
                        } else if (code.startsWith("2")
                                && answer.getValue().getContent() == null
                                && BYTES.containsKey(id)) {
                            answer.getValue().setContent(bytes(BYTES.get(id)));
                        }
                    }
                }
            }
        }
    }

    /**
     * {@code JobResource_submit} (the CLASS_METHOD strategy's id) as {@code jobSubmit}; an id set by
     * hand stays; without one, the method and the path.
     */
    static String operationId(String scanned, PathItem.HttpMethod method, String path) {
        if (scanned == null || scanned.isBlank()) {
            StringBuilder b = new StringBuilder(method.name().toLowerCase(Locale.ROOT));
            for (String part : path.split("[/{}_]+")) {
                if (!part.isEmpty() && !part.equals("v1")) {
                    b.append(Character.toUpperCase(part.charAt(0))).append(part.substring(1));
                }
            }
            return b.toString();
        }
        int sep = scanned.indexOf('_');
        if (sep < 0) {
            return scanned;
        }
        String type = scanned.substring(0, sep).replaceFirst("Resource$", "");
        String name = scanned.substring(sep + 1);
        return Character.toLowerCase(type.charAt(0))
                + type.substring(1)
                + Character.toUpperCase(name.charAt(0))
                + name.substring(1);
    }

    private static void enumerate(OpenAPI api, String schema, String property, java.util.stream.Stream<String> values) {
        if (api.getComponents() == null || api.getComponents().getSchemas() == null) {
            return;
        }
        var type = api.getComponents().getSchemas().get(schema);
        var prop = type == null || type.getProperties() == null
                ? null
                : type.getProperties().get(property);
        if (prop != null) {
            prop.setEnumeration(values.collect(java.util.stream.Collectors.toList()));
        }
    }

    private static Content bytes(java.util.List<String> types) {
        Content content = OASFactory.createContent();
        for (String type : types) {
            content.addMediaType(
                    type,
                    OASFactory.createMediaType()
                            .schema(OASFactory.createSchema()
                                    .addType(org.eclipse.microprofile.openapi.models.media.Schema.SchemaType.STRING)
                                    .format("binary")));
        }
        return content;
    }

    private static Content json(String schema) {
        MediaType media =
                OASFactory.createMediaType().schema(OASFactory.createSchema().ref(SCHEMAS + schema));
        return OASFactory.createContent().addMediaType("application/json", media);
    }
}
