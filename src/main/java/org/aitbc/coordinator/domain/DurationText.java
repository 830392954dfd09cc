package org.aitbc.coordinator.domain;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations written as a number and a unit: {@code 30s}, {@code 45m}, {@code 12h}, {@code 7d}. */
public final class DurationText {
    private static final Pattern FORM = Pattern.compile("^(\\d{1,9})([smhd])$");

    private DurationText() {}

    /** The duration, or null when the text is not of that form. */
    public static Duration parse(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = FORM.matcher(text.trim());
        if (!m.matches()) {
            return null;
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }
}
