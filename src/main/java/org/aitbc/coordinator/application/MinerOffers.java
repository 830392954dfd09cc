package org.aitbc.coordinator.application;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.aitbc.coordinator.domain.CudaVersion;
import org.aitbc.coordinator.domain.GpuNames;
import org.aitbc.coordinator.domain.MinerOffer;

/**
 * Reads a {@link MinerOffer} from the capabilities JSON a miner registered, in each shape the
 * marketplace's miners send: GPU names from {@code gpus[].name}, {@code gpu} (a name) or
 * {@code gpu.model}; the CUDA version from {@code cuda}, {@code cuda_version} or
 * {@code gpu.cuda_version}; the price from {@code price}. Whatever cannot be read counts as not
 * offered, so a job that asks for it is not handed to this miner.
 */
final class MinerOffers {
    private MinerOffers() {}

    static MinerOffer of(String capabilitiesJson) {
        if (capabilitiesJson == null || capabilitiesJson.isBlank()) {
            return MinerOffer.NONE;
        }
        JsonObject caps;
        try (JsonReader r = Json.createReader(new StringReader(capabilitiesJson))) {
            JsonValue v = r.readValue();
            if (!(v instanceof JsonObject o)) {
                return MinerOffer.NONE;
            }
            caps = o;
        } catch (RuntimeException e) {
            return MinerOffer.NONE;
        }
        List<String> names = new ArrayList<>();
        if (caps.get("gpus") instanceof JsonArray gpus) {
            for (JsonValue g : gpus) {
                if (g instanceof JsonObject o) {
                    addName(names, text(o.get("name")));
                    addName(names, text(o.get("model")));
                }
            }
        }
        JsonValue gpu = caps.get("gpu");
        String cuda = text(caps.get("cuda"));
        if (cuda == null) {
            cuda = text(caps.get("cuda_version"));
        }
        if (gpu instanceof JsonObject o) {
            addName(names, text(o.get("model")));
            addName(names, text(o.get("name")));
            if (cuda == null) {
                cuda = text(o.get("cuda_version"));
            }
        } else {
            addName(names, text(gpu));
        }
        BigDecimal price = null;
        JsonValue p = caps.get("price");
        if (p instanceof JsonNumber n) {
            price = n.bigDecimalValue();
        } else if (p instanceof JsonString s) {
            try {
                price = new BigDecimal(s.getString().trim());
            } catch (NumberFormatException e) {
                price = null;
            }
        }
        return new MinerOffer(List.copyOf(names), CudaVersion.rank(cuda), price);
    }

    private static void addName(List<String> names, String name) {
        String n = GpuNames.normalise(name);
        if (!n.isEmpty() && !names.contains(n)) {
            names.add(n);
        }
    }

    private static String text(JsonValue v) {
        if (v instanceof JsonString s) {
            return s.getString();
        }
        if (v instanceof JsonNumber n) {
            return n.toString();
        }
        return null;
    }
}
