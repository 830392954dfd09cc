package org.aitbc.coordinator.cli;

import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.aitbc.coordinator.wire.JobView;

/** How the client commands show values to a person: amounts, missing values, a job, a progress bar. */
final class Format {
    private Format() {}

    static String money(BigDecimal d) {
        return d == null ? "-" : d.stripTrailingZeros().toPlainString() + " AITBC";
    }

    static String or(Object o) {
        return o == null ? "-" : o.toString();
    }

    /** A 30-character bar and the percentage, e.g. {@code [#####     ]  50%}. */
    static String bar(int percent) {
        int filled = Math.max(0, Math.min(30, percent * 30 / 100));
        return "[" + "#".repeat(filled) + " ".repeat(30 - filled) + "] " + String.format("%3d%%", percent);
    }

    /** The status lines of the guide, and with {@code full} also times, costs and the result. */
    static void printJob(PrintStream out, JobView j, boolean full) {
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("Job", j.jobId());
        rows.put("Status", j.status() + (j.status().equals("running") ? " (" + j.progress() + "%)" : ""));
        rows.put("Progress", j.progress() + "%");
        rows.put("Miner", or(j.minerId()));
        rows.put("Created", or(j.createdAt()));
        rows.put("Started", or(j.startedAt()));
        rows.put("Estimated completion", or(j.estimatedCompletion()));
        if (full) {
            rows.put("Model", or(j.model()));
            rows.put("Priority", j.priority());
            rows.put("Assigned", or(j.assignedAt()));
            rows.put("Completed", or(j.completedAt()));
            rows.put("Attempt", j.attempt());
            rows.put("Estimated cost", money(j.estimatedCost()));
            rows.put("Cost", money(j.cost()));
            if (j.error() != null) {
                rows.put("Error", j.error().code() + ": " + or(j.error().message()));
            }
            rows.put(
                    "Result",
                    j.result().available()
                            ? j.result().sizeBytes() + " bytes, sha256 "
                                    + j.result().sha256() + ", kept until "
                                    + j.result().expiresAt()
                            : j.result().deletedAt() != null
                                    ? "deleted at " + j.result().deletedAt()
                                    : "not available");
        }
        rows.forEach((k, v) -> out.printf("%-22s %s%n", k + ":", v));
    }
}
