package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.aitbc.coordinator.wire.JobView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Submitting: {@code aitbc client submit} (one job, optionally followed to its end) and {@code batch-submit}. */
final class SubmitCommands {
    private SubmitCommands() {}

    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a job.")
    static class Submit extends ClientCommand {
        @Option(names = "--model", required = true, description = "Model name, e.g. gpt2")
        String model;

        @Option(names = "--input", description = "Input: a file path, JSON, or plain text")
        String input;

        @Option(
                names = "--input-file",
                description = "A large input: uploaded first (POST /v1/files, with a progress bar), then named "
                        + "as the job's input; the miner's command reads it on standard input")
        Path inputFile;

        @Option(names = "--gpu", description = "GPU type: v100, a100, rtx3090")
        String gpu;

        @Option(names = "--gpu-count", description = "Number of GPUs (1-64)")
        Integer gpuCount;

        @Option(names = "--min-vram-gb", description = "Minimum GPU memory in GB")
        Integer minVram;

        @Option(names = "--region", description = "Run only on miners of this region")
        String region;

        @Option(names = "--timeout", description = "Run-time limit in seconds")
        Integer timeout;

        @Option(names = "--ttl", description = "Seconds the job may wait for a miner")
        Integer ttl;

        @Option(names = "--priority", description = "low, normal, high, urgent")
        String priority;

        @Option(names = "--wait", description = "Follow the job until it ends (like watch)")
        boolean waitForEnd;

        @Option(
                names = "--dry-run",
                description = "Submit nothing: print the quote (POST /v1/jobs/quote): estimated cost and time, "
                        + "matching miners, expected queue wait, and what rules the miners out")
        boolean dryRun;

        @Override
        public void run() {
            if (input != null && inputFile != null) {
                throw new CliException(Aitbc.EXIT_USAGE, "choose --input or --input-file, not both");
            }
            if (dryRun && (inputFile != null || waitForEnd)) {
                throw new CliException(
                        Aitbc.EXIT_USAGE,
                        "--dry-run uploads and submits nothing: use it without --input-file and --wait");
            }
            JsonObjectBuilder b = Json.createObjectBuilder().add("model", model);
            if (input != null) {
                b.add("input", inputValue(input));
            }
            if (inputFile != null) {
                b.add("input", Json.createObjectBuilder().add("file_id", upload(inputFile)));
            }
            JsonObjectBuilder req = Json.createObjectBuilder();
            addIfSet(req, "gpu_type", gpu);
            addIfSet(req, "gpu_count", gpuCount);
            addIfSet(req, "min_vram_gb", minVram);
            addIfSet(req, "region", region);
            b.add("requirements", req);
            addIfSet(b, "priority", priority);
            addIfSet(b, "timeout_seconds", timeout);
            addIfSet(b, "ttl_seconds", ttl);
            if (dryRun) {
                QuotePrinter.print(
                        this, http().send("POST", "/v1/jobs/quote", b.build().toString()));
                return;
            }
            String body = http().send("POST", "/v1/jobs", b.build().toString());
            JobView j = Http.JSONB.fromJson(body, JobView.class);
            if (!printedAsJson(body)) {
                out().println("Submitted " + j.jobId() + " (" + j.status() + "), estimated cost "
                        + Format.money(j.estimatedCost()) + ", about " + j.estimatedTimeSeconds() + " s");
            }
            if (waitForEnd) {
                FollowCommands.followToCompletion(this, j.jobId());
            }
        }

        /** Uploads the file with a progress bar on standard error; returns its file id. */
        private String upload(Path file) {
            long size;
            try {
                size = Files.size(file);
            } catch (IOException e) {
                throw new CliException(Aitbc.EXIT_USAGE, "cannot read " + file);
            }
            ProgressBar bar = new ProgressBar(root().err, file.getFileName().toString(), size);
            String answer = http().postFile("/v1/files", file, bar::update);
            bar.done();
            return Http.object(answer).getString("file_id");
        }

        /** Options left out are left out of the request, so that the server's defaults apply. */
        private static void addIfSet(JsonObjectBuilder b, String name, Object value) {
            if (value instanceof Integer n) {
                b.add(name, n);
            } else if (value != null) {
                b.add(name, value.toString());
            }
        }

        /** A file's content when {@code input} names a file; JSON when it parses as an object or array; else text. */
        static JsonValue inputValue(String input) {
            String text = input;
            Path p = Paths.get(input);
            try {
                if (input.length() < 4096 && Files.isRegularFile(p)) {
                    text = Files.readString(p);
                }
            } catch (IOException | java.nio.file.InvalidPathException e) {
                text = input;
            }
            String t = text.trim();
            if (t.startsWith("{") || t.startsWith("[")) {
                try (JsonReader r = Json.createReader(new StringReader(t))) {
                    return r.readValue();
                } catch (RuntimeException e) {
                    // Not JSON after all: send it as text.
                }
            }
            return Json.createValue(text);
        }
    }

    @Command(
            name = "batch-submit",
            mixinStandardHelpOptions = true,
            description = "Submit every job of a JSON array file, all or none.")
    static class BatchSubmit extends ClientCommand {
        @Option(names = "--jobs-file", required = true, description = "A JSON array of submissions")
        Path file;

        @Override
        public void run() {
            String body;
            try {
                body = Files.readString(file);
            } catch (IOException e) {
                throw new CliException(Aitbc.EXIT_USAGE, "cannot read " + file);
            }
            String answer = http().send("POST", "/v1/jobs/batch", body);
            if (printedAsJson(answer)) {
                return;
            }
            JsonArray jobs = Http.object(answer).getJsonArray("jobs");
            out().println("Submitted " + jobs.size() + " jobs:");
            jobs.forEach(v -> out().println("  " + v.asJsonObject().getString("job_id")));
        }
    }
}
