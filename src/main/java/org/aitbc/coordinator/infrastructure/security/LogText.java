package org.aitbc.coordinator.infrastructure.security;

/**
 * Makes client-given text safe to print in a log line: every control character (CR, LF, NUL,
 * ESC, ...), line or paragraph separator, invisible format character (bidi overrides) and lone
 * surrogate is written as a Java escape (backslash r, backslash n, backslash u202e), and a backslash
 * as {@code \\}, so that a value can neither start a forged line nor hide what it is. Every log
 * line that prints a value a client chose (a model, an error code, a miner id, a name) passes it
 * through {@link #of(Object)}; values the coordinator made itself (ids, states) need not.
 */
public final class LogText {
    private LogText() {}

    /** The value's text with every unsafe character escaped; {@code null} stays "null". */
    public static String of(Object value) {
        String s = String.valueOf(value);
        StringBuilder b = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int n = Character.charCount(cp);
            switch (cp) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    int type = Character.getType(cp);
                    if (type == Character.CONTROL
                            || type == Character.LINE_SEPARATOR
                            || type == Character.PARAGRAPH_SEPARATOR
                            || type == Character.FORMAT
                            || type == Character.SURROGATE) {
                        // A lone surrogate is one char of type SURROGATE; a valid pair is one code point.
                        for (int k = i; k < i + n; k++) {
                            b.append(String.format("\\u%04x", (int) s.charAt(k)));
                        }
                    } else {
                        b.appendCodePoint(cp);
                    }
                }
            }
            i += n;
        }
        return b.toString();
    }
}
