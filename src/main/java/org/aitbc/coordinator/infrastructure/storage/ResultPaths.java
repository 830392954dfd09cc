package org.aitbc.coordinator.infrastructure.storage;

import java.util.regex.Pattern;

/**
 * Which relative paths a result file may have: segments of letters, digits, dot, dash and
 * underscore, separated by '/', no empty or dot-only segment ({@code .}, {@code ..}), no
 * absolute path, no backslash, at most {@value #MAX_LENGTH} characters and {@value #MAX_DEPTH}
 * levels. Checked before anything touches the disk.
 */
public final class ResultPaths {
    public static final int MAX_LENGTH = 255;
    public static final int MAX_DEPTH = 8;
    /** The job folder's staging area ({@link FileResultStore}): never a result path. */
    public static final String STAGING = ".staging";
    /** The job folder's live logs ({@link JobLogStore}): never a result path. */
    public static final String LIVE_LOGS = ".logs";

    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9._-]{1,100}");

    private ResultPaths() {}

    /** Null when the path is acceptable, else why not. */
    public static String problem(String path) {
        if (path == null || path.isEmpty()) {
            return "is empty";
        }
        if (path.length() > MAX_LENGTH) {
            return "is longer than " + MAX_LENGTH + " characters";
        }
        if (path.indexOf('\\') >= 0) {
            return "must use '/' and no backslashes";
        }
        if (path.startsWith("/")) {
            return "must be relative, not absolute";
        }
        String[] segments = path.split("/", -1);
        if (segments[0].equals(STAGING)) {
            return "must not begin with " + STAGING + ", the folder where uploads are staged";
        }
        if (segments[0].equals(LIVE_LOGS)) {
            return "must not begin with " + LIVE_LOGS + ", the folder where live logs are kept";
        }
        if (segments.length > MAX_DEPTH) {
            return "is deeper than " + MAX_DEPTH + " levels";
        }
        for (String s : segments) {
            if (s.isEmpty()) {
                return "has an empty segment";
            }
            if (s.chars().allMatch(c -> c == '.')) {
                return "must not contain '.' or '..' segments";
            }
            if (!SEGMENT.matcher(s).matches()) {
                return "may contain only letters, digits, '.', '-', '_' and '/'";
            }
        }
        return null;
    }
}
