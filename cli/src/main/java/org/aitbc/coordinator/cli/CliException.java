package org.aitbc.coordinator.cli;

/** A failure reported to the user as one line, with the exit code that classifies it. */
class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }
}
