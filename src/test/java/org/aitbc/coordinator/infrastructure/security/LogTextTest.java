package org.aitbc.coordinator.infrastructure.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;

class LogTextTest {
    @Test
    void controlCharactersAreEscapedOnOneLine() {
        String forged = LogText.of("a\r\nX-Injected: 1");
        assertEquals("a\\r\\nX-Injected: 1", forged);
        assertFalse(forged.contains("\n") || forged.contains("\r"));
        assertEquals("nul\\u0000 esc\\u001b tab\\t", LogText.of("nul\u0000 esc\u001b tab\t"));
        assertEquals("ls\\u2028 rlo\\u202e del\\u007f", LogText.of("ls\u2028 rlo\u202e del\u007f"));
    }

    @Test
    void backslashesAndLoneSurrogatesCannotFakeOrHideAnEscape() {
        assertEquals("a\\\\nb", LogText.of("a\\nb"));
        assertEquals("x\\ud800y", LogText.of("x\ud800y"));
    }

    @Test
    void ordinaryTextIsUnchanged() {
        assertEquals("gpt2 Ünïcødé 😀 [a, b]", LogText.of("gpt2 Ünïcødé 😀 [a, b]"));
        assertEquals("null", LogText.of(null));
        assertEquals("[m1, m\\n2]", LogText.of(java.util.List.of("m1", "m\n2")));
    }
}
