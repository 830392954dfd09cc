package org.aitbc.coordinator.wire;

import jakarta.json.JsonArray;
import jakarta.json.JsonNumber;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The one canonical encoding of a JSON value, the bytes a receipt's signature and a job's
 * {@code spec_sha256} are computed over (docs/RECEIPTS.md): UTF-8; no whitespace; object members
 * sorted by name (by UTF-16 code units, Java's {@link String#compareTo}; the same as code-point
 * order for every name a receipt uses, which are ASCII); duplicate names impossible (a parsed
 * {@link JsonObject} keeps one); strings escaped minimally (only {@code "}, {@code \} and the
 * control characters U+0000-U+001F, these as <code>&#92;u00xx</code> with lower-case hex), every other
 * character written as itself; arrays in order; numbers in one normal form (no exponent, no
 * trailing zeros, no {@code +}, {@code -0} as {@code 0}). A receipt itself carries every number
 * as a string, so a verifier never needs the number rule; it exists for the spec's payload.
 * Shared by the server, which signs, and the CLI, which verifies.
 */
public final class CanonicalJson {
    /** Past this exponent a number is written in scientific form rather than expanded digit by digit. */
    private static final int MAX_PLAIN_SCALE = 1000;

    private CanonicalJson() {}

    /** The canonical UTF-8 bytes of {@code value}. */
    public static byte[] bytes(JsonValue value) {
        return text(value).getBytes(StandardCharsets.UTF_8);
    }

    /** The canonical text of {@code value} (encode it as UTF-8 to get the signed bytes). */
    public static String text(JsonValue value) {
        StringBuilder b = new StringBuilder();
        write(value, b);
        return b.toString();
    }

    private static void write(JsonValue v, StringBuilder b) {
        switch (v.getValueType()) {
            case OBJECT -> {
                JsonObject o = v.asJsonObject();
                List<String> names = new ArrayList<>(o.keySet());
                names.sort(null);
                b.append('{');
                for (int i = 0; i < names.size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    string(names.get(i), b);
                    b.append(':');
                    write(o.get(names.get(i)), b);
                }
                b.append('}');
            }
            case ARRAY -> {
                JsonArray a = v.asJsonArray();
                b.append('[');
                for (int i = 0; i < a.size(); i++) {
                    if (i > 0) {
                        b.append(',');
                    }
                    write(a.get(i), b);
                }
                b.append(']');
            }
            case STRING -> string(((JsonString) v).getString(), b);
            case NUMBER -> b.append(number(((JsonNumber) v).bigDecimalValue()));
            case TRUE -> b.append("true");
            case FALSE -> b.append("false");
            case NULL -> b.append("null");
        }
    }

    /** A number's normal form: {@code 1.50} and {@code 15e-1} are both {@code 1.5}; {@code 1E+2} is {@code 100}. */
    static String number(BigDecimal d) {
        if (d.signum() == 0) {
            return "0";
        }
        BigDecimal n = d.stripTrailingZeros();
        if (Math.abs((long) n.scale()) > MAX_PLAIN_SCALE) {
            return n.toString().replace("E+", "E");
        }
        return n.toPlainString();
    }

    private static void string(String s, StringBuilder b) {
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        b.append('"');
    }
}
