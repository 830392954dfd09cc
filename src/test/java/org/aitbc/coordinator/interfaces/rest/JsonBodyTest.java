package org.aitbc.coordinator.interfaces.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonValue;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.junit.jupiter.api.Test;

/** The body reader's bounds, without a server (the same cases run over HTTP in BadInputIT). */
class JsonBodyTest {
    private static CoordinatorException refused(String text) {
        return assertThrows(CoordinatorException.class, () -> JsonBody.parse(text, false));
    }

    @Test
    void exactlyOneValue() {
        for (String text : new String[] {"{} x", "{}{}", "[1] 2", "\"a\" \"b\"", "{} ,"}) {
            CoordinatorException e = refused(text);
            assertEquals(Kind.MALFORMED, e.kind(), text);
            assertEquals("MALFORMED_JSON", e.code(), text);
        }
        assertEquals(
                JsonValue.ValueType.OBJECT,
                JsonBody.parse(" {\"a\":[1,{}]} \n\t", false).getValueType());
    }

    @Test
    void depthIsBounded() {
        String ok = "[".repeat(JsonBody.MAX_DEPTH) + "]".repeat(JsonBody.MAX_DEPTH);
        assertEquals(JsonValue.ValueType.ARRAY, JsonBody.parse(ok, false).getValueType());
        CoordinatorException e = refused("{\"a\":" + "[".repeat(1001) + "]".repeat(1001) + "}");
        assertEquals("MALFORMED_JSON", e.code());
        assertTrue(e.getMessage().contains("deeper than " + JsonBody.MAX_DEPTH), e.getMessage());
    }

    @Test
    void hugeNumbersAreNamedByField() {
        CoordinatorException e = refused("{\"model\":\"m\",\"requirements\":{\"gpu_count\":1e2147483648}}");
        assertEquals("VALIDATION_FAILED", e.code());
        assertEquals("requirements.gpu_count", e.fields().get(0).field());
        e = refused("[{\"x\":[0, " + "9".repeat(1100) + "]}]");
        assertEquals("[0].x[1]", e.fields().get(0).field());
        assertEquals(
                JsonValue.ValueType.OBJECT,
                JsonBody.parse("{\"n\":-1.5e-300}", false).getValueType());
    }

    @Test
    void loneSurrogatesAndBadUtf8AreRefused() {
        CoordinatorException e = refused("{\"model\":\"a\\ud800\"}");
        assertEquals("VALIDATION_FAILED", e.code());
        assertEquals("model", e.fields().get(0).field());
        assertEquals(
                JsonValue.ValueType.OBJECT,
                JsonBody.parse("{\"model\":\"\\ud83d\\ude00\"}", false).getValueType());
        byte[] latin1 = "{\"model\":\"caf\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1);
        CoordinatorException bad =
                assertThrows(CoordinatorException.class, () -> JsonBody.text(new ByteArrayInputStream(latin1), 1000));
        assertEquals("MALFORMED_JSON", bad.code());
    }
}
