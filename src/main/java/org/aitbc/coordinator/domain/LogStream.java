package org.aitbc.coordinator.domain;

import java.util.Locale;

/**
 * The two streams a miner appends a job's live logs to. Each is one byte sequence whose offsets
 * count from its first byte; at the job's end each becomes {@code logs/<name>.log} of the result
 * package.
 */
public enum LogStream {
    STDOUT,
    STDERR;

    /** {@code stdout} or {@code stderr}: the name in the API. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The file of the result package the stream becomes. */
    public String packagePath() {
        return "logs/" + wire() + ".log";
    }

    /** The stream of that API name, or null when there is none. */
    public static LogStream of(String wire) {
        for (LogStream s : values()) {
            if (s.wire().equals(wire)) {
                return s;
            }
        }
        return null;
    }
}
