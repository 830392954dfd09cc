package org.aitbc.coordinator.cli;

import java.util.UUID;
import org.aitbc.coordinator.wire.JobView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code aitbc client retry}: the guide's action for a failed job. Submits a new job with the
 * same spec; the coordinator links both. Sends an Idempotency-Key (given, or a fresh one), so
 * that a retry whose answer was lost can be repeated with the same key without a second job.
 */
@Command(
        name = "retry",
        mixinStandardHelpOptions = true,
        description = "Retry a failed or canceled job as a new job with the same spec.")
class RetryCommand extends ClientCommand.OneJob {
    @Option(names = "--idempotency-key", description = "Repeating a retry with the same key answers the same new job")
    String idempotencyKey;

    @Override
    public void run() {
        String key = idempotencyKey == null ? UUID.randomUUID().toString() : idempotencyKey;
        String body = http().send("POST", jobPath("/retry"), "{}", java.util.Map.of("Idempotency-Key", key));
        if (printedAsJson(body)) {
            return;
        }
        JobView j = Http.JSONB.fromJson(body, JobView.class);
        out().println("Job " + jobId + " retried as " + j.jobId() + " (status " + j.status() + ", estimated cost "
                + Format.money(j.estimatedCost()) + ").");
    }
}
