package org.aitbc.coordinator.cli;

import java.io.PrintStream;
import org.aitbc.coordinator.wire.JobView;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * What every {@code aitbc client} subcommand shares: the root's options and streams, HTTP access,
 * and the rule that {@code --json} prints the API's answer as it came instead of a table.
 */
abstract class ClientCommand implements Runnable {
    @ParentCommand
    ClientCommands parent;

    Aitbc root() {
        return parent.root;
    }

    PrintStream out() {
        return parent.root.out;
    }

    Http http() {
        return parent.root.http();
    }

    boolean json() {
        return parent.root.json;
    }

    /** With {@code --json}, prints the answer as the API gave it and returns true; else returns false. */
    boolean printedAsJson(String body) {
        if (json()) {
            out().println(body);
        }
        return json();
    }

    /** {@code --from} and {@code --to} as export and stats take them (UTC dates, YYYY-MM-DD, inclusive). */
    static final class Dates {
        @Option(names = "--from")
        String from;

        @Option(names = "--to")
        String to;
    }

    /** A subcommand about one job: its {@code --job-id} and the paths of that job's routes. */
    abstract static class OneJob extends ClientCommand {
        @Option(names = "--job-id", required = true)
        String jobId;

        /** {@code /v1/jobs/{id}} followed by {@code suffix}. */
        String jobPath(String suffix) {
            return "/v1/jobs/" + Http.q(jobId) + suffix;
        }

        /** Shows the job: its JSON with {@code --json}, else its status lines (every line with {@code full}). */
        void printJob(boolean full) {
            String body = http().send("GET", jobPath(""), null);
            if (!printedAsJson(body)) {
                Format.printJob(out(), Http.JSONB.fromJson(body, JobView.class), full);
            }
        }
    }
}
