package org.aitbc.coordinator.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.aitbc.coordinator.wire.JobView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code aitbc client cancel}: asks first unless {@code --force}; a job whose miner still runs it
 * becomes "canceling", and a job that already ended gives the guide's "cancellation failed".
 */
@Command(
        name = "cancel",
        mixinStandardHelpOptions = true,
        description = "Cancel a job (asks for confirmation unless --force).")
class CancelCommand extends ClientCommand.OneJob {
    @Option(names = "--force", description = "Do not ask")
    boolean force;

    @Override
    public void run() {
        if (!force && !confirmed()) {
            out().println("Not canceled.");
            return;
        }
        String body;
        try {
            body = http().send("DELETE", jobPath(""), null);
        } catch (CliException e) {
            if (e.exitCode == Aitbc.EXIT_CONFLICT) {
                throw new CliException(Aitbc.EXIT_CONFLICT, "cancellation failed: " + e.getMessage());
            }
            throw e;
        }
        if (printedAsJson(body)) {
            return;
        }
        JobView j = Http.JSONB.fromJson(body, JobView.class);
        out().println(
                        "canceling".equals(j.cancellation())
                                ? "Job " + jobId + " is canceling: its miner is stopping it."
                                : "Job " + jobId + " canceled.");
    }

    /** Asks on the terminal; only "y" or "yes" confirms. */
    private boolean confirmed() {
        out().print("Cancel job " + jobId + "? [y/N] ");
        out().flush();
        String answer;
        try {
            answer = new BufferedReader(new InputStreamReader(root().in, StandardCharsets.UTF_8)).readLine();
        } catch (IOException e) {
            answer = null;
        }
        return answer != null
                && (answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"));
    }
}
