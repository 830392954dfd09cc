package org.aitbc.coordinator.container;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Whether Liberty's web container would refuse a request path before choosing an application, and
 * why. It mirrors the two steps of the web container (Open Liberty 26.0.0.3) that answer their fixed
 * CWWWC0005I page: percent-decoding (an escape that is not {@code %} and two hex digits) and the
 * canonicalisation of the decoded path (a segment starting {@code .;} or {@code ..;}, an empty segment
 * with a path parameter before the last one, a {@code ..} above the root); and a decoded NUL, which it
 * refuses too. Anything else is left to the container and the application, which answer it in the
 * error shape themselves (encoded {@code /}, {@code \}, overlong UTF-8, ...).
 */
public final class UndecodablePath {

    private UndecodablePath() {}

    /** The reason the web container would refuse {@code rawPath} (the request target without its query), or null. */
    public static String problem(String rawPath) {
        if (rawPath == null || rawPath.isEmpty()) {
            return null;
        }
        String decoded = decode(rawPath);
        if (decoded == null) {
            return "it has a '%' that is not followed by two hex digits";
        }
        if (decoded.indexOf('\0') >= 0) {
            return "it has a NUL character";
        }
        return canonicalProblem(decoded);
    }

    /** Percent-decodes as UTF-8 (malformed sequences become U+FFFD, as in the container); null for a bad escape. */
    static String decode(String raw) {
        if (raw.indexOf('%') < 0) {
            return raw;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        StringBuilder out = new StringBuilder(raw.length());
        int i = 0;
        while (i < raw.length()) {
            char c = raw.charAt(i);
            if (c != '%') {
                flush(bytes, out);
                out.append(c);
                i++;
                continue;
            }
            if (i + 2 >= raw.length()) {
                return null;
            }
            int hi = Character.digit(raw.charAt(i + 1), 16);
            int lo = Character.digit(raw.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            bytes.write(hi * 16 + lo);
            i += 3;
        }
        flush(bytes, out);
        return out.toString();
    }

    private static void flush(ByteArrayOutputStream bytes, StringBuilder out) {
        if (bytes.size() > 0) {
            out.append(new String(bytes.toByteArray(), StandardCharsets.UTF_8));
            bytes.reset();
        }
    }

    /** The container's canonicalisation of a decoded path, reduced to the cases it refuses. */
    static String canonicalProblem(String path) {
        String p = path;
        if (p.indexOf(';') >= 0) {
            List<String> segments = segments(p);
            StringBuilder rebuilt = new StringBuilder();
            for (int n = 0; n < segments.size(); n++) {
                String s = segments.get(n);
                if (s.startsWith(".;") || s.startsWith("..;")) {
                    return "a dot segment carries a path parameter (';')";
                }
                if (s.startsWith(";") && n + 1 < segments.size()) {
                    return "an empty segment carries a path parameter (';')";
                }
                if (!s.toLowerCase(Locale.ROOT).contains(";jsessionid") && s.indexOf(';') >= 0) {
                    s = s.substring(0, s.indexOf(';'));
                }
                rebuilt.append('/').append(s);
            }
            p = rebuilt.toString();
        }
        p = p.replaceAll("/{2,}", "/");
        while (p.contains("/./")) {
            p = p.replace("/./", "/");
        }
        if (p.endsWith("/.")) {
            p = p.substring(0, p.length() - 1);
        }
        if (p.contains("/..")) {
            int depth = 0;
            for (String s : segments(p)) {
                if (s.equals("..")) {
                    if (depth == 0) {
                        return "'..' climbs above the root";
                    }
                    depth--;
                } else {
                    depth++;
                }
            }
        }
        return null;
    }

    private static List<String> segments(String p) {
        String body = p.startsWith("/") ? p.substring(1) : p;
        return new ArrayList<>(List.of(body.split("/", -1)));
    }
}
