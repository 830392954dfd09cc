package org.aitbc.coordinator.wire;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import jakarta.json.Json;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The canonical encoding of docs/RECEIPTS.md, rule by rule. */
class CanonicalJsonTest {
    static JsonValue parse(String text) {
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readValue();
        }
    }

    static String canon(String json) {
        return CanonicalJson.text(parse(json));
    }

    @Test
    void membersAreSortedByNameAtEveryDepthAndWhitespaceIsGone() {
        assertEquals(
                "{\"a\":[3,{\"x\":\"1\",\"y\":null}],\"b\":true,\"c\":{\"d\":false,\"e\":\"\"}}",
                canon("{ \"c\" : {\"e\":\"\", \"d\":false},\n \"b\":true, \"a\":[3, {\"y\":null,\"x\":\"1\"}] }"));
    }

    @Test
    void theSameObjectInAnyMemberOrderGivesTheSameBytes() {
        assertArrayEquals(
                CanonicalJson.bytes(parse("{\"job_id\":\"j\",\"cost\":\"1.5\",\"miner_id\":\"m\"}")),
                CanonicalJson.bytes(parse("{\"miner_id\":\"m\",\"job_id\":\"j\",\"cost\":\"1.5\"}")));
    }

    @Test
    void namesSortByCodeUnitsSoUpperCaseComesFirstAndPrefixesBeforeLongerNames() {
        assertEquals(
                "{\"B\":\"1\",\"a\":\"2\",\"ab\":\"3\",\"b\":\"4\"}",
                canon("{\"b\":\"4\",\"ab\":\"3\",\"a\":\"2\",\"B\":\"1\"}"));
    }

    @Test
    void arraysKeepTheirOrder() {
        assertEquals("[\"b\",\"a\",\"c\"]", canon("[\"b\", \"a\", \"c\"]"));
    }

    @Test
    void stringsEscapeOnlyQuoteBackslashAndControlCharacters() {
        String s = "q\" b\\ nl\n tab\t nul\u0000 slash/ é 😀 \u007f";
        String out = CanonicalJson.text(Json.createValue(s));
        assertEquals("\"q\\\" b\\\\ nl\\u000a tab\\u0009 nul\\u0000 slash/ é 😀 \u007f\"", out);
    }

    @Test
    void theBytesAreUtf8() {
        byte[] b = CanonicalJson.bytes(Json.createValue("é"));
        assertArrayEquals(new byte[] {'"', (byte) 0xC3, (byte) 0xA9, '"'}, b);
        assertEquals("\"é\"", new String(b, StandardCharsets.UTF_8));
    }

    @Test
    void numbersHaveOneNormalForm() {
        assertEquals(
                "[1.5,1.5,100,0,0,-2,123456789012345678901234567890]",
                canon("[1.50, 15e-1, 1E+2, -0, 0.000, -2.0, 123456789012345678901234567890]"));
        assertEquals("0.001", CanonicalJson.number(new BigDecimal("1e-3")));
        // Huge exponents are not expanded digit by digit.
        assertEquals("1E5000", CanonicalJson.number(new BigDecimal("1e5000")));
    }

    @Test
    void aStringAndANumberWithTheSameDigitsDiffer() {
        assertNotEquals(canon("{\"n\":1}"), canon("{\"n\":\"1\"}"));
    }

    @Test
    void literals() {
        assertEquals("[true,false,null]", canon("[ true , false , null ]"));
        assertEquals("{}", canon("{ }"));
        assertEquals("[]", canon("[ ]"));
    }
}
