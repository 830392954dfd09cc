package org.aitbc.coordinator.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.http.HttpResponse;
import org.aitbc.coordinator.wire.JobView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code aitbc client logs}: a job's live logs as the miner appends them. Without {@code --follow}
 * it prints what is there and exits 0; with it, it keeps printing new bytes until the job ends
 * and exits as {@code watch} does (0 when the job completed, 1 when it failed or was canceled).
 * A connection that drops is resumed from the offset reached, so no byte is printed twice.
 */
@Command(
        name = "logs",
        mixinStandardHelpOptions = true,
        description = "Print a job's logs (stdout or stderr); --follow prints new lines until the job ends "
                + "(exit 0 when it completes, 1 when it fails or is canceled).")
class LogsCommand extends ClientCommand.OneJob {
    @Option(names = "--stream", defaultValue = "stdout", description = "stdout or stderr (default: ${DEFAULT-VALUE})")
    String stream;

    @Option(names = "--follow", description = "Keep printing new bytes until the job ends")
    boolean follow;

    @Option(names = "--offset", defaultValue = "0", description = "Start at this byte of the log (default: 0)")
    long offset;

    @Override
    public void run() {
        if (!stream.equals("stdout") && !stream.equals("stderr")) {
            throw new CliException(Aitbc.EXIT_USAGE, "--stream must be stdout or stderr");
        }
        if (offset < 0) {
            throw new CliException(Aitbc.EXIT_USAGE, "--offset must be 0 or more");
        }
        PrintStream out = out();
        long at = offset;
        int failures = 0;
        while (true) {
            HttpResponse<InputStream> r;
            try {
                r = http().streamed(Http.query(jobPath("/logs"), "stream", stream, "offset", at, "follow", follow));
            } catch (CliException e) {
                if (!follow || e.exitCode != Aitbc.EXIT_NETWORK || ++failures > 30) {
                    throw e;
                }
                Aitbc.sleep(1000);
                continue;
            }
            at = r.headers()
                    .firstValue("X-Log-Start-Offset")
                    .map(Long::parseLong)
                    .orElse(at);
            try (InputStream in = r.body()) {
                byte[] buf = new byte[8192];
                int n;
                while ((n = in.read(buf)) > 0) {
                    out.write(buf, 0, n);
                    out.flush();
                    at += n;
                    failures = 0;
                }
            } catch (IOException e) {
                // Dropped midway: resume from the byte reached.
                if (!follow || ++failures > 30) {
                    throw new CliException(Aitbc.EXIT_NETWORK, "the log stream broke off: " + e.getMessage());
                }
                Aitbc.sleep(1000);
                continue;
            }
            if (!follow) {
                return;
            }
            // A follow answer ends when the job ended.
            JobView job = http().send("GET", jobPath(""), null, JobView.class);
            switch (job.status()) {
                case "completed" -> {
                    return;
                }
                case "failed", "canceled" ->
                    throw new CliException(Aitbc.EXIT_JOB_FAILED, "job " + jobId + " did not complete");
                default -> Aitbc.sleep(1000); // ended early (a server stopping): follow again
            }
        }
    }
}
