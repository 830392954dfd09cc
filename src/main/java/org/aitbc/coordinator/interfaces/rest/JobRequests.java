package org.aitbc.coordinator.interfaces.rest;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.FieldProblem;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.CudaVersion;
import org.aitbc.coordinator.domain.GpuNames;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.Priority;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Reads a submission in either accepted form into a {@link Job.Spec}:
 * <ul>
 * <li>{@code {model, input, output_config, requirements: {gpu_type, gpu_count, min_vram_gb, region},
 *     priority, timeout_seconds, ttl_seconds}};</li>
 * <li>the older marketplace form {@code {payload: {type, model, ...}, constraints: {gpu, gpu_count,
 *     min_vram_gb, models, region}, ttl_seconds}}, whose payload is handed to the miner as sent.</li>
 * </ul>
 * Each problem is reported against its field path ({@code requirements.gpu_count},
 * {@code [2].model} in a batch).
 *
 * <p>Constraints are honoured or refused, never dropped: besides the keys above, {@code cuda} (a
 * minimum CUDA version) and {@code max_price} (the highest advertised miner price) are matched in
 * both forms; every other key, such as {@code tee_attestation_required} or {@code confidential},
 * is 422 {@code UNSUPPORTED_CONSTRAINT} naming it. The older form's {@code gpu} is a GPU name: a
 * known GPU type ({@code a100}) matches by type as before, any other name ({@code RTX 4060 Ti})
 * the miner's registered GPU names after {@link GpuNames#normalise normalisation}.
 *
 * <p>An uploaded input is named as {@code "input": {"file_id": ...}} (or the older
 * {@code payload.input_file_id}); whose file it is, is checked when the job is created.
 */
@ApplicationScoped
public class JobRequests {
    static final int MAX_GPU_COUNT = 64;
    static final int MAX_VRAM_GB = 4096;
    static final int MAX_TIMEOUT = 604_800;
    static final int MAX_TTL = 86_400;

    /** What each form's constraint object may hold; any other key is refused by name. */
    private static final Set<String> CURRENT_KEYS =
            Set.of("gpu_type", "gpu_count", "min_vram_gb", "region", "models", "cuda", "max_price");

    private static final Set<String> LEGACY_KEYS =
            Set.of("gpu", "gpu_count", "min_vram_gb", "region", "models", "cuda", "max_price");

    @Inject
    CoordinatorConfig config;

    Job.Spec parse(JsonObject body, String prefix, JsonBody check) {
        return body.containsKey("payload") ? legacy(body, prefix, check) : current(body, prefix, check);
    }

    private Job.Spec current(JsonObject body, String p, JsonBody check) {
        String model = check.string(body, "model", p + "model", 1, 200);
        if (model == null && check.problems().stream().noneMatch(f -> f.field().equals(p + "model"))) {
            // Missing and null alike.
            check.problem(p + "model", "is required");
        }
        JsonValue input = body.get("input");
        if (input != null && input.toString().getBytes(StandardCharsets.UTF_8).length > config.inputMaxBytes()) {
            check.problem(
                    p + "input",
                    "must be at most " + config.inputMaxBytes()
                            + " bytes inline; upload larger inputs through /v1/files");
        }
        String inputFile = null;
        if (input instanceof JsonObject in && in.containsKey("file_id")) {
            inputFile = check.string(in, "file_id", p + "input.file_id", 1, 64);
        }
        JsonObject outputConfig = check.object(body, "output_config", p + "output_config");
        JsonObject req = check.object(body, "requirements", p + "requirements");
        refuseUnsupported(req, p + "requirements.", CURRENT_KEYS);
        Requirements r =
                requirements(req == null ? JsonValue.EMPTY_JSON_OBJECT : req, p + "requirements.", "gpu_type", check);
        Common c = common(body, p, check);

        JsonObjectBuilder payload = Json.createObjectBuilder().add("type", "inference");
        if (model != null) {
            payload.add("model", model);
        }
        payload.add("input", input == null ? JsonValue.NULL : input);
        if (outputConfig != null) {
            payload.add("output_config", outputConfig);
        }
        return spec(model, payload.build(), r, c, "inference", inputFile);
    }

    private Job.Spec legacy(JsonObject body, String p, JsonBody check) {
        JsonObject payload = check.object(body, "payload", p + "payload");
        if (payload == null) {
            check.problem(p + "payload", "is required and must be a JSON object");
            payload = JsonValue.EMPTY_JSON_OBJECT;
        }
        String model = check.string(payload, "model", p + "payload.model", 1, 200);
        String type = check.string(payload, "type", p + "payload.type", 1, 64);
        String inputFile = check.string(payload, "input_file_id", p + "payload.input_file_id", 1, 64);
        if (payload.toString().getBytes(StandardCharsets.UTF_8).length > config.inputMaxBytes()) {
            check.problem(
                    p + "payload",
                    "must be at most " + config.inputMaxBytes()
                            + " bytes inline; upload larger inputs through /v1/files");
        }
        JsonObject cons = check.object(body, "constraints", p + "constraints");
        refuseUnsupported(cons, p + "constraints.", LEGACY_KEYS);
        Requirements r =
                requirements(cons == null ? JsonValue.EMPTY_JSON_OBJECT : cons, p + "constraints.", "gpu", check);
        if (model == null && !r.models().isEmpty()) {
            // A legacy job that names acceptable models but no payload model runs on the first.
            model = r.models().get(0);
        }
        return spec(model, payload, r, common(body, p, check), type, inputFile);
    }

    /** 422 UNSUPPORTED_CONSTRAINT naming every key this coordinator cannot enforce. */
    private static void refuseUnsupported(JsonObject o, String p, Set<String> known) {
        if (o == null) {
            return;
        }
        List<FieldProblem> unsupported = new ArrayList<>();
        for (String key : o.keySet()) {
            if (!known.contains(key)) {
                unsupported.add(new FieldProblem(p + key, "cannot be enforced by this coordinator"));
            }
        }
        if (!unsupported.isEmpty()) {
            FieldProblem first = unsupported.get(0);
            String message = "the constraint " + first.field() + " cannot be enforced by this coordinator"
                    + (unsupported.size() == 1 ? "" : " (and " + (unsupported.size() - 1) + " more)")
                    + "; the job was not created";
            throw new CoordinatorException(Kind.INVALID, "UNSUPPORTED_CONSTRAINT", message, unsupported, null);
        }
    }

    private record Requirements(
            String gpuType,
            int gpuCount,
            int minVramGb,
            String region,
            List<String> models,
            String gpuName,
            String gpuNameAsGiven,
            String cuda,
            Integer minCuda,
            BigDecimal maxPrice) {}

    private record Common(Priority priority, int timeoutSeconds, int ttlSeconds, BigDecimal maxCost) {}

    private Requirements requirements(JsonObject o, String p, String gpuKey, JsonBody check) {
        String gpu = check.string(o, gpuKey, p + gpuKey, 1, gpuKey.equals("gpu") ? 200 : 64);
        String gpuType = null;
        String gpuName = null;
        if (gpu != null && gpuKey.equals("gpu")) {
            // The older form names a GPU: a known type matches by type, any other model by its name.
            String n = GpuNames.normalise(gpu);
            if (config.gpuRates().containsKey(n)) {
                gpuType = n;
            } else if (!n.matches(".*[0-9].*")) {
                check.problem(p + gpuKey, "must name a GPU model, such as RTX 4060 Ti or A100");
            } else {
                gpuName = n;
            }
        } else if (gpu != null) {
            gpuType = CoordinatorConfig.normaliseGpu(gpu).replaceFirst("^nvidia", "");
            if (!config.gpuRates().containsKey(gpuType)) {
                check.problem(
                        p + gpuKey,
                        "must be one of " + String.join(", ", config.gpuRates().keySet()));
                gpuType = null;
            }
        }
        Integer count = check.integer(o, "gpu_count", p + "gpu_count", 1, MAX_GPU_COUNT);
        Integer vram = check.integer(o, "min_vram_gb", p + "min_vram_gb", 0, MAX_VRAM_GB);
        String region = check.string(o, "region", p + "region", 1, 64);
        List<String> models = check.strings(o, "models", p + "models", 200);
        String cuda = null;
        Integer minCuda = null;
        JsonValue cv = o.get("cuda");
        if (cv != null && cv.getValueType() != JsonValue.ValueType.NULL) {
            cuda = cv instanceof JsonString js ? js.getString() : cv instanceof JsonNumber jn ? jn.toString() : null;
            minCuda = CudaVersion.rank(cuda);
            if (minCuda == null) {
                check.problem(p + "cuda", "must be a CUDA version such as 12.4");
                cuda = null;
            }
        }
        BigDecimal maxPrice = null;
        JsonValue pv = o.get("max_price");
        if (pv != null && pv.getValueType() != JsonValue.ValueType.NULL) {
            if (pv instanceof JsonNumber jn
                    && jn.bigDecimalValue().signum() >= 0
                    && jn.bigDecimalValue().compareTo(BigDecimal.valueOf(1_000_000_000L)) < 0) {
                maxPrice = jn.bigDecimalValue();
            } else {
                check.problem(p + "max_price", "must be a number from 0 to 1000000000");
            }
        }
        return new Requirements(
                gpuType,
                count == null ? 1 : count,
                vram == null ? 0 : vram,
                region,
                models,
                gpuName,
                gpuName == null ? null : gpu,
                cuda,
                minCuda,
                maxPrice);
    }

    private Common common(JsonObject body, String p, JsonBody check) {
        Priority priority = Priority.NORMAL;
        String text = check.string(body, "priority", p + "priority", 0, 32);
        if (text != null) {
            priority = Priority.fromWire(text);
            if (priority == null) {
                check.problem(p + "priority", "must be one of low, normal, high, urgent");
                priority = Priority.NORMAL;
            }
        }
        Integer timeout = check.integer(body, "timeout_seconds", p + "timeout_seconds", 1, MAX_TIMEOUT);
        Integer ttl = check.integer(body, "ttl_seconds", p + "ttl_seconds", 1, MAX_TTL);
        return new Common(
                priority,
                timeout == null ? config.defaultTimeoutSeconds() : timeout,
                ttl == null ? config.defaultTtlSeconds() : ttl,
                maxCost(body, p, check));
    }

    /**
     * {@code max_cost}: the most the client will pay for the job, a number or a decimal string
     * ({@code 0.50} or {@code "0.50"}) above 0; null when not given. Whether it covers the
     * estimate is checked when the job is priced.
     */
    private static BigDecimal maxCost(JsonObject body, String p, JsonBody check) {
        JsonValue v = body.get("max_cost");
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        BigDecimal amount = null;
        if (v instanceof JsonNumber n) {
            amount = n.bigDecimalValue();
        } else if (v instanceof JsonString s && s.getString().trim().matches("[0-9]{1,10}(\\.[0-9]{1,6})?")) {
            amount = new BigDecimal(s.getString().trim());
        }
        if (amount == null
                || amount.signum() <= 0
                || amount.compareTo(BigDecimal.valueOf(1_000_000_000L)) > 0
                || amount.scale() > 6) {
            check.problem(
                    p + "max_cost",
                    "must be an amount above 0 and at most 1000000000 with at most 6 decimals, such as 0.50");
            return null;
        }
        return amount;
    }

    private Job.Spec spec(
            String model, JsonObject payload, Requirements r, Common c, String jobType, String inputFile) {
        JsonObjectBuilder constraints =
                Json.createObjectBuilder().add("gpu_count", r.gpuCount()).add("min_vram_gb", r.minVramGb());
        if (r.gpuType() != null) {
            constraints.add("gpu", r.gpuType());
        } else if (r.gpuNameAsGiven() != null) {
            constraints.add("gpu", r.gpuNameAsGiven());
        }
        if (r.cuda() != null) {
            constraints.add("cuda", r.cuda());
        }
        if (r.maxPrice() != null) {
            constraints.add("max_price", r.maxPrice());
        }
        if (r.region() != null) {
            constraints.add("region", r.region());
        }
        if (!r.models().isEmpty()) {
            constraints.add("models", Json.createArrayBuilder(r.models()));
        }
        Long typical = model == null ? null : config.modelSeconds().get(model);
        long estimated = typical != null ? Math.min(typical, c.timeoutSeconds()) : c.timeoutSeconds();
        return new Job.Spec(
                        model,
                        payload.toString(),
                        constraints.build().toString(),
                        r.gpuType(),
                        r.gpuCount(),
                        r.minVramGb(),
                        r.region(),
                        c.priority(),
                        c.timeoutSeconds(),
                        c.ttlSeconds(),
                        estimated,
                        new Job.Matching(r.gpuName(), r.minCuda(), r.maxPrice()),
                        jobType,
                        inputFile)
                .withMaxCost(c.maxCost());
    }
}
