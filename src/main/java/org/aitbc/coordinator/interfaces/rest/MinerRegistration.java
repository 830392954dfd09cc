package org.aitbc.coordinator.interfaces.rest;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.aitbc.coordinator.application.MinerService;
import org.aitbc.coordinator.domain.Miner;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Reads a registration body in each shape the marketplace's miners send: the production miner's
 * {@code {capabilities: {gpus: [{name, memory_mb, ...}], cuda, models, price, region, ...},
 * concurrency, region}}, the example miner's {@code {capabilities: {gpu: {model, memory_gb,
 * cuda_version}, compute: {..., max_concurrent_jobs}}}}, and the older {@code {capabilities:
 * {gpu: NAME, vram_gb: N}}}. It refuses only wrong types (or ranges) of the fields it reads,
 * naming them; every other field is kept as sent: the capabilities object whole, and the
 * top-level fields it does not read as the miner's "extra".
 */
record MinerRegistration(MinerService.Profile profile, MinerService.Details details) {
    /** The most JSON kept per miner for capabilities, extras or telemetry (each). */
    static final int MAX_KEPT_CHARS = 65_536;

    private static final Set<String> READ_AT_TOP = Set.of("capabilities", "concurrency", "region");

    static MinerRegistration parse(JsonObject o, Set<String> knownGpuTypes) {
        JsonBody check = new JsonBody();
        JsonObject caps = check.object(o, "capabilities", "capabilities");
        if (caps == null) {
            caps = JsonValue.EMPTY_JSON_OBJECT;
        }
        Set<String> types = new LinkedHashSet<>();
        List<String> names = new ArrayList<>();
        int maxVramGb = 0;
        int gpus = 0;
        JsonArray list = check.array(caps, "gpus", "capabilities.gpus");
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                String at = "capabilities.gpus[" + i + "]";
                if (list.get(i).getValueType() != JsonValue.ValueType.OBJECT) {
                    check.problem(at, "must be an object {name, memory_mb}");
                    continue;
                }
                JsonObject g = list.get(i).asJsonObject();
                String name = check.string(g, "name", at + ".name", 1, 200);
                BigDecimal mb = number(check, g, "memory_mb", at + ".memory_mb", 16_777_216);
                addGpu(types, names, name, knownGpuTypes);
                maxVramGb = Math.max(maxVramGb, mb == null ? 0 : gigabytes(mb.doubleValue() / 1024));
                gpus++;
            }
        }
        JsonValue gpu = caps.get("gpu");
        if (gpu != null && gpu.getValueType() == JsonValue.ValueType.STRING) {
            // The older miners: {"gpu": "NAME", "vram_gb": N}.
            String name = check.string(caps, "gpu", "capabilities.gpu", 1, 200);
            if (name != null) {
                addGpu(types, names, name, knownGpuTypes);
                gpus = Math.max(gpus, 1);
            }
        } else if (gpu != null && gpu.getValueType() == JsonValue.ValueType.OBJECT) {
            // The example miner: {"gpu": {"model": "RTX 4060 Ti", "memory_gb": 16, "cuda_version": "12.4"}}.
            JsonObject g = gpu.asJsonObject();
            String name = check.string(g, "model", "capabilities.gpu.model", 1, 200);
            if (name == null) {
                name = check.string(g, "name", "capabilities.gpu.name", 1, 200);
            }
            if (name != null) {
                addGpu(types, names, name, knownGpuTypes);
            }
            gpus = Math.max(gpus, 1);
            BigDecimal gb = number(check, g, "memory_gb", "capabilities.gpu.memory_gb", 16_384);
            maxVramGb = Math.max(maxVramGb, gb == null ? 0 : gigabytes(gb.doubleValue()));
            version(check, g, "cuda_version", "capabilities.gpu.cuda_version");
        } else if (gpu != null && gpu.getValueType() != JsonValue.ValueType.NULL) {
            check.problem("capabilities.gpu", "must be a GPU name or an object {model, memory_gb, cuda_version}");
        }
        BigDecimal vram = number(check, caps, "vram_gb", "capabilities.vram_gb", 16_384);
        maxVramGb = Math.max(maxVramGb, vram == null ? 0 : gigabytes(vram.doubleValue()));
        Integer count = check.integer(caps, "gpu_count", "capabilities.gpu_count", 0, 1024);
        List<String> models = check.strings(caps, "models", "capabilities.models", 200);
        version(check, caps, "cuda", "capabilities.cuda");
        number(check, caps, "price", "capabilities.price", 1_000_000_000);
        JsonObject compute = check.object(caps, "compute", "capabilities.compute");
        Integer capsConcurrency =
                check.integer(caps, "max_concurrent_jobs", "capabilities.max_concurrent_jobs", 1, 1024);
        Integer computeConcurrency = compute == null
                ? null
                : check.integer(compute, "max_concurrent_jobs", "capabilities.compute.max_concurrent_jobs", 1, 1024);
        Integer concurrency = check.integer(o, "concurrency", "concurrency", 1, 1024);
        String region = check.string(o, "region", "region", 1, 64);
        String capsRegion = check.string(caps, "region", "capabilities.region", 1, 64);
        String capsJson = caps.toString();
        if (capsJson.length() > MAX_KEPT_CHARS) {
            check.problem("capabilities", "must be at most " + MAX_KEPT_CHARS + " characters of JSON");
        }
        JsonObjectBuilder extra = Json.createObjectBuilder();
        o.forEach((k, v) -> {
            if (!READ_AT_TOP.contains(k)) {
                extra.add(k, v);
            }
        });
        JsonObject extras = extra.build();
        if (extras.toString().length() > MAX_KEPT_CHARS) {
            check.problem("(body)", "fields besides capabilities must be at most " + MAX_KEPT_CHARS + " characters");
        }
        check.check();
        int slots = concurrency != null
                ? concurrency
                : capsConcurrency != null ? capsConcurrency : computeConcurrency != null ? computeConcurrency : 1;
        return new MinerRegistration(
                new MinerService.Profile(
                        capsJson,
                        new ArrayList<>(types),
                        count != null ? count : gpus,
                        maxVramGb,
                        models,
                        region != null ? region : capsRegion,
                        slots),
                new MinerService.Details(names, extras.isEmpty() ? null : extras.toString()));
    }

    /** Memory in whole GB as matching compares it: 24,564 MB (a 24 GB card as reported) is 24. */
    private static int gigabytes(double gb) {
        return (int) Math.round(gb);
    }

    private static void addGpu(Set<String> types, List<String> names, String name, Set<String> knownGpuTypes) {
        if (name == null) {
            return;
        }
        String normalised = Miner.normaliseGpuName(name);
        if (!normalised.isEmpty() && !names.contains(normalised)) {
            names.add(normalised);
        }
        String n = CoordinatorConfig.normaliseGpu(name);
        for (String known : knownGpuTypes) {
            if (!n.isEmpty() && n.contains(known)) {
                types.add(known);
            }
        }
    }

    /** A non-negative number up to {@code max} (decimals allowed), or null when absent. */
    private static BigDecimal number(JsonBody check, JsonObject o, String key, String path, long max) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.NUMBER) {
            check.problem(path, "must be a number from 0 to " + max);
            return null;
        }
        BigDecimal d = ((JsonNumber) v).bigDecimalValue();
        if (d.signum() < 0 || d.compareTo(BigDecimal.valueOf(max)) > 0) {
            check.problem(path, "must be a number from 0 to " + max);
            return null;
        }
        return d;
    }

    /** A version such as "12.4" (a string, or a number as some miners send it). */
    private static void version(JsonBody check, JsonObject o, String key, String path) {
        JsonValue v = o.get(key);
        if (v == null
                || v.getValueType() == JsonValue.ValueType.NULL
                || v.getValueType() == JsonValue.ValueType.NUMBER) {
            return;
        }
        check.string(o, key, path, 1, 32);
    }
}
