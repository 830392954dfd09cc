package org.aitbc.coordinator.cli;

import java.io.PrintStream;

/**
 * A one-line progress bar for an upload, redrawn in place ({@code \r}) on standard error at
 * most once per percent, so that standard output stays the command's answer alone.
 */
final class ProgressBar {
    private final PrintStream err;
    private final String name;
    private final long total;
    private int shown = -1;

    ProgressBar(PrintStream err, String name, long total) {
        this.err = err;
        this.name = name;
        this.total = total;
    }

    synchronized void update(long sent) {
        int percent = total <= 0 ? 100 : (int) Math.min(100, sent * 100 / total);
        if (percent == shown) {
            return;
        }
        shown = percent;
        err.print("\rUploading " + name + " " + Format.bar(percent) + " " + Math.min(sent, total) + " of " + total
                + " bytes");
        err.flush();
    }

    synchronized void done() {
        update(total);
        err.println();
    }
}
