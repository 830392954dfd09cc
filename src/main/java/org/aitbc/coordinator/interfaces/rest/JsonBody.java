package org.aitbc.coordinator.interfaces.rest;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonException;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import jakarta.json.stream.JsonLocation;
import jakarta.json.stream.JsonParser;
import jakarta.json.stream.JsonParsingException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.FieldProblem;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.infrastructure.security.LogText;

/**
 * Reads a JSON request body with a size limit, and reads typed fields from it while collecting
 * every problem, so that one 422 answer names each bad field at once.
 */
final class JsonBody {
    private final List<FieldProblem> problems = new ArrayList<>();

    /** Deeper nesting is refused before a tree is built: no real request nests this deep. */
    static final int MAX_DEPTH = 64;
    /** Longer number literals are refused, so that no conversion is asked to build a huge value. */
    static final int MAX_NUMBER_CHARS = 100;
    /** Exponents of more digits are refused (1e2147483648 cannot become a BigDecimal at all). */
    static final int MAX_EXPONENT_DIGITS = 4;

    /** The raw text of a body of at most {@code max} bytes; 413 beyond, 400 when it is not UTF-8. */
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
        try {
            // Strict decoding: a replacement character silently stored would change what the client sent.
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(out.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new CoordinatorException(Kind.MALFORMED, "MALFORMED_JSON", "the request body is not valid UTF-8");
        }
    }

    /**
     * Exactly one JSON value: anything but whitespace after it, nesting deeper than {@value
     * #MAX_DEPTH} levels, a number literal beyond {@value #MAX_NUMBER_CHARS} characters or a
     * {@value #MAX_EXPONENT_DIGITS}-digit exponent, and a string or name with a lone UTF-16
     * surrogate are refused (400, or 422 naming the field). The text is walked once as a stream
     * for these checks before the tree is built, so the tree builder never meets them.
     */
    static JsonValue parse(String text, boolean emptyIsObject) {
        if (text.isBlank()) {
            if (emptyIsObject) {
                return JsonValue.EMPTY_JSON_OBJECT;
            }
            throw new CoordinatorException(
                    Kind.MALFORMED, "MALFORMED_JSON", "the request body is empty; send a JSON object");
        }
        try {
            List<FieldProblem> problems = screen(text);
            if (!problems.isEmpty()) {
                throw CoordinatorException.validation(problems);
            }
            try (JsonReader reader = Json.createReader(new StringReader(text))) {
                return reader.readValue();
            }
        } catch (JsonParsingException e) {
            throw malformed("the request body is not valid JSON", e.getLocation());
        } catch (JsonException e) {
            throw new CoordinatorException(Kind.MALFORMED, "MALFORMED_JSON", "the request body is not valid JSON");
        }
    }

    private static CoordinatorException malformed(String what, JsonLocation at) {
        return new CoordinatorException(
                Kind.MALFORMED,
                "MALFORMED_JSON",
                at == null ? what : what + " (line " + at.getLineNumber() + ", column " + at.getColumnNumber() + ")");
    }

    /** One open array or object while screening: its current member name or element index. */
    private static final class Frame {
        final boolean array;
        String key;
        int index = -1;

        Frame(boolean array) {
            this.array = array;
        }
    }

    /** The field problems of numbers and strings; throws 400 for structure (depth, trailing text). */
    private static List<FieldProblem> screen(String text) {
        List<FieldProblem> problems = new ArrayList<>();
        Deque<Frame> open = new ArrayDeque<>();
        try (JsonParser parser = Json.createParser(new StringReader(text))) {
            do {
                JsonParser.Event event = parser.next();
                Frame top = open.peek();
                if (top != null && top.array && event != JsonParser.Event.END_ARRAY) {
                    top.index++;
                }
                switch (event) {
                    case START_ARRAY, START_OBJECT -> {
                        if (open.size() >= MAX_DEPTH) {
                            throw malformed(
                                    "the request body nests arrays and objects deeper than " + MAX_DEPTH + " levels",
                                    parser.getLocation());
                        }
                        open.push(new Frame(event == JsonParser.Event.START_ARRAY));
                    }
                    case END_ARRAY, END_OBJECT -> open.pop();
                    case KEY_NAME -> {
                        top.key = parser.getString();
                        if (loneSurrogate(top.key)) {
                            problems.add(new FieldProblem(path(open), "is a name that is not valid Unicode"));
                        }
                    }
                    case VALUE_STRING -> {
                        if (loneSurrogate(parser.getString())) {
                            problems.add(new FieldProblem(
                                    path(open), "must be valid Unicode text (it has a lone UTF-16 surrogate)"));
                        }
                    }
                    case VALUE_NUMBER -> {
                        String number = parser.getString();
                        if (!numberFits(number)) {
                            problems.add(new FieldProblem(
                                    path(open),
                                    "must be a number of at most " + MAX_NUMBER_CHARS
                                            + " characters, with an exponent of at most " + MAX_EXPONENT_DIGITS
                                            + " digits"));
                        }
                    }
                    default -> {
                        // true, false, null: nothing to bound.
                    }
                }
            } while (!open.isEmpty());
            boolean more;
            try {
                more = parser.hasNext();
            } catch (JsonParsingException e) {
                more = true;
            }
            if (more) {
                throw malformed(
                        "the request body must be exactly one JSON value; there is more after it",
                        parser.getLocation());
            }
        }
        return problems;
    }

    /** The field path of the value being read: {@code model}, {@code requirements.gpu_count}, {@code [2].model}. */
    private static String path(Deque<Frame> open) {
        StringBuilder b = new StringBuilder();
        for (Iterator<Frame> it = open.descendingIterator(); it.hasNext(); ) {
            Frame f = it.next();
            if (f.array) {
                b.append('[').append(Math.max(f.index, 0)).append(']');
            } else if (f.key != null) {
                if (b.length() > 0) {
                    b.append('.');
                }
                // Escaped: the name is echoed in the answer, and may be what is wrong (a lone surrogate).
                String key = LogText.of(f.key);
                b.append(key.length() > 100 ? key.substring(0, 100) + "..." : key);
            }
        }
        return b.length() == 0 ? "body" : b.toString();
    }

    private static boolean numberFits(String number) {
        if (number.length() > MAX_NUMBER_CHARS) {
            return false;
        }
        int e = Math.max(number.indexOf('e'), number.indexOf('E'));
        if (e < 0) {
            return true;
        }
        int digits = number.length() - e - 1;
        if (digits > 0 && (number.charAt(e + 1) == '+' || number.charAt(e + 1) == '-')) {
            digits--;
        }
        return digits <= MAX_EXPONENT_DIGITS;
    }

    static boolean loneSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                return true;
            }
        }
        return false;
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

    /**
     * A name, code or setting: 422 when it holds any control character (NUL, CR, LF, TAB, ...),
     * which no such value needs and which would make it print differently from what it is.
     */
    String string(JsonObject o, String key, String path, int min, int max) {
        String s = anyString(o, key, path, min, max);
        if (s != null && s.chars().anyMatch(Character::isISOControl)) {
            problem(path, "must not contain control characters");
            return null;
        }
        return s;
    }

    /** Free text (a message): line breaks and tabs are kept, other control characters are 422. */
    String text(JsonObject o, String key, String path, int min, int max) {
        String s = anyString(o, key, path, min, max);
        if (s != null && s.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t')) {
            problem(path, "must not contain control characters other than line breaks and tabs");
            return null;
        }
        return s;
    }

    private String anyString(JsonObject o, String key, String path, int min, int max) {
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
                    || ((JsonString) v).getString().length() > max
                    || ((JsonString) v).getString().chars().anyMatch(Character::isISOControl)) {
                problem(
                        path + "[" + i + "]",
                        "must be a string of 1 to " + max + " characters without control characters");
            } else {
                out.add(((JsonString) v).getString());
            }
        }
        return out;
    }
}
