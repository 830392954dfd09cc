package org.aitbc.coordinator.interfaces.rest;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.FieldProblem;
import org.aitbc.coordinator.application.CoordinatorException.Kind;

/**
 * Reads a JSON request body with a size limit, and reads typed fields from it while collecting
 * every problem, so that one 422 answer names each bad field at once.
 */
final class JsonBody {
    private final List<FieldProblem> problems = new ArrayList<>();

    /** The raw text of a body of at most {@code max} bytes; 413 beyond. */
    static String text(InputStream in, int max) {
        if (in == null) {
            return "";
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > max) {
                    throw new CoordinatorException(
                            Kind.TOO_LARGE,
                            "PAYLOAD_TOO_LARGE",
                            "the request body is larger than " + max + " bytes; upload large inputs through /v1/files");
                }
                out.write(buf, 0, n);
            }
        } catch (IOException e) {
            throw new CoordinatorException(Kind.MALFORMED, "BAD_REQUEST", "the request body could not be read");
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    static JsonValue parse(String text, boolean emptyIsObject) {
        if (text.isBlank()) {
            if (emptyIsObject) {
                return JsonValue.EMPTY_JSON_OBJECT;
            }
            throw new CoordinatorException(
                    Kind.MALFORMED, "MALFORMED_JSON", "the request body is empty; send a JSON object");
        }
        try (JsonReader reader = Json.createReader(new StringReader(text))) {
            return reader.readValue();
        } catch (JsonParsingException e) {
            throw new CoordinatorException(
                    Kind.MALFORMED,
                    "MALFORMED_JSON",
                    "the request body is not valid JSON (line "
                            + e.getLocation().getLineNumber() + ", column "
                            + e.getLocation().getColumnNumber() + ")");
        } catch (JsonException e) {
            throw new CoordinatorException(Kind.MALFORMED, "MALFORMED_JSON", "the request body is not valid JSON");
        }
    }

    /** The body as a JSON object (an empty body counts as {@code {}} when allowed). */
    static JsonObject object(InputStream in, int max, boolean emptyIsObject) {
        JsonValue v = parse(text(in, max), emptyIsObject);
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            throw new CoordinatorException(Kind.MALFORMED, "MALFORMED_JSON", "the request body must be a JSON object");
        }
        return v.asJsonObject();
    }

    void problem(String field, String message) {
        problems.add(new FieldProblem(field, message));
    }

    /** Throws one 422 naming every problem found so far. */
    void check() {
        if (!problems.isEmpty()) {
            throw CoordinatorException.validation(problems);
        }
    }

    List<FieldProblem> problems() {
        return problems;
    }

    String string(JsonObject o, String key, String path, int min, int max) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.STRING) {
            problem(path, "must be a string");
            return null;
        }
        String s = ((JsonString) v).getString();
        if (s.length() < min || s.length() > max) {
            problem(
                    path,
                    min == max
                            ? "must be " + min + " characters"
                            : "must be " + min + " to " + max + " characters long");
            return null;
        }
        return s;
    }

    Integer integer(JsonObject o, String key, String path, long min, long max) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.NUMBER) {
            problem(path, "must be a whole number from " + min + " to " + max);
            return null;
        }
        BigDecimal d = ((JsonNumber) v).bigDecimalValue();
        if (d.stripTrailingZeros().scale() > 0
                || d.compareTo(BigDecimal.valueOf(min)) < 0
                || d.compareTo(BigDecimal.valueOf(max)) > 0) {
            problem(path, "must be a whole number from " + min + " to " + max);
            return null;
        }
        return d.intValueExact();
    }

    JsonObject object(JsonObject o, String key, String path) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.OBJECT) {
            problem(path, "must be a JSON object");
            return null;
        }
        return v.asJsonObject();
    }

    JsonArray array(JsonObject o, String key, String path) {
        JsonValue v = o.get(key);
        if (v == null || v.getValueType() == JsonValue.ValueType.NULL) {
            return null;
        }
        if (v.getValueType() != JsonValue.ValueType.ARRAY) {
            problem(path, "must be a JSON array");
            return null;
        }
        return v.asJsonArray();
    }

    /** A list of strings, each 1 to {@code max} characters. */
    List<String> strings(JsonObject o, String key, String path, int max) {
        JsonArray a = array(o, key, path);
        if (a == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < a.size(); i++) {
            JsonValue v = a.get(i);
            if (v.getValueType() != JsonValue.ValueType.STRING
                    || ((JsonString) v).getString().isEmpty()
                    || ((JsonString) v).getString().length() > max) {
                problem(path + "[" + i + "]", "must be a string of 1 to " + max + " characters");
            } else {
                out.add(((JsonString) v).getString());
            }
        }
        return out;
    }
}
