package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.aitbc.coordinator.wire.EventList;
import org.aitbc.coordinator.wire.EventView;
import org.aitbc.coordinator.wire.JobList;
import org.aitbc.coordinator.wire.JobStats;
import org.aitbc.coordinator.wire.JobView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code aitbc client ...}: every client command of the user's guide. */
@Command(name = "client", mixinStandardHelpOptions = true, description = "Submit, follow, list and cancel jobs; download, verify, share and delete results.",
        subcommands = {ClientCommands.Submit.class, ClientCommands.BatchSubmit.class, ClientCommands.Status.class,
                ClientCommands.Get.class, ClientCommands.Watch.class, ClientCommands.ListJobs.class,
                ClientCommands.Export.class, ClientCommands.Stats.class, ClientCommands.Cancel.class,
                ClientCommands.Download.class, ClientCommands.Share.class, ClientCommands.Verify.class,
                ClientCommands.Delete.class})
class ClientCommands {
    @ParentCommand
    Aitbc root;

    /** Shared by the subcommands: the root's options, streams and HTTP access. */
    abstract static class Sub implements Runnable {
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

        JobView job(String id) {
            return http().send("GET", "/v1/jobs/" + Http.q(id), null, JobView.class);
        }
    }

    static String money(BigDecimal d) {
        return d == null ? "-" : d.stripTrailingZeros().toPlainString() + " AITBC";
    }

    static String or(Object o) {
        return o == null ? "-" : o.toString();
    }

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
            rows.put("Result", j.result().available() ? j.result().sizeBytes() + " bytes, sha256 " + j.result().sha256()
                    + ", kept until " + j.result().expiresAt() : j.result().deletedAt() != null ? "deleted at "
                    + j.result().deletedAt() : "not available");
        }
        rows.forEach((k, v) -> out.printf("%-22s %s%n", k + ":", v));
    }

    // ---- submit ---------------------------------------------------------------------------

    @Command(name = "submit", mixinStandardHelpOptions = true, description = "Submit a job.")
    static class Submit extends Sub {
        @Option(names = "--model", required = true, description = "Model name, e.g. gpt2")
        String model;

        @Option(names = "--input", description = "Input: a file path, JSON, or plain text")
        String input;

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

        @Override
        public void run() {
            JsonObjectBuilder b = Json.createObjectBuilder().add("model", model);
            if (input != null) {
                b.add("input", inputValue(input));
            }
            JsonObjectBuilder req = Json.createObjectBuilder();
            if (gpu != null) {
                req.add("gpu_type", gpu);
            }
            if (gpuCount != null) {
                req.add("gpu_count", gpuCount);
            }
            if (minVram != null) {
                req.add("min_vram_gb", minVram);
            }
            if (region != null) {
                req.add("region", region);
            }
            b.add("requirements", req);
            if (priority != null) {
                b.add("priority", priority);
            }
            if (timeout != null) {
                b.add("timeout_seconds", timeout);
            }
            if (ttl != null) {
                b.add("ttl_seconds", ttl);
            }
            String body = http().send("POST", "/v1/jobs", b.build().toString());
            JobView j = Http.JSONB.fromJson(body, JobView.class);
            if (json()) {
                out().println(body);
            } else {
                out().println("Submitted " + j.jobId() + " (" + j.status() + "), estimated cost " + money(j.estimatedCost())
                        + ", about " + j.estimatedTimeSeconds() + " s");
            }
            if (waitForEnd) {
                int code = Watch.follow(this, j.jobId());
                if (code != 0) {
                    throw new CliException(code, "job " + j.jobId() + " did not complete");
                }
            }
        }

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

    @Command(name = "batch-submit", mixinStandardHelpOptions = true, description = "Submit every job of a JSON array file, all or none.")
    static class BatchSubmit extends Sub {
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
            if (json()) {
                out().println(answer);
                return;
            }
            JsonArray jobs = read(answer).getJsonArray("jobs");
            out().println("Submitted " + jobs.size() + " jobs:");
            jobs.forEach(v -> out().println("  " + v.asJsonObject().getString("job_id")));
        }
    }

    static JsonObject read(String body) {
        try (JsonReader r = Json.createReader(new StringReader(body))) {
            return r.readObject();
        }
    }

    // ---- reading --------------------------------------------------------------------------

    @Command(name = "status", mixinStandardHelpOptions = true, description = "A job's status and progress.")
    static class Status extends Sub {
        @Option(names = "--job-id", required = true)
        String jobId;

        /** Whether to show everything (get) or the status lines of the guide (status). */
        boolean full() {
            return false;
        }

        @Override
        public void run() {
            String body = http().send("GET", "/v1/jobs/" + Http.q(jobId), null);
            if (json()) {
                out().println(body);
            } else {
                printJob(out(), Http.JSONB.fromJson(body, JobView.class), full());
            }
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Everything about a job: times, costs, result.")
    static class Get extends Status {
        @Override
        boolean full() {
            return true;
        }
    }

    @Command(name = "watch", mixinStandardHelpOptions = true, description = "Follow a job live until it ends. Exit 0 when it completes, 1 when it fails or is canceled.")
    static class Watch extends Sub {
        @Option(names = "--job-id", required = true)
        String jobId;

        @Option(names = "--interval-ms", defaultValue = "1000", description = "When polling: how often to ask for new events")
        long intervalMs;

        @Option(names = "--poll", description = "Poll for events instead of using the live WebSocket feed")
        boolean poll;

        @Override
        public void run() {
            int code = poll ? poll(this, jobId, 0) : follow(this, jobId);
            if (code != 0) {
                throw new CliException(code, "job " + jobId + " did not complete");
            }
        }

        /**
         * Follows the job's events from the first on, resuming after the last one seen when a
         * request fails, until the job ends; returns the exit code for its final status.
         */
        static int follow(Sub cmd, String jobId) {
            long[] last = {0};
            Integer ended = FeedWatch.follow(cmd, jobId, last);
            if (ended != null) {
                return ended;
            }
            if (!cmd.json()) {
                cmd.root().err.println("aitbc: the live feed is unavailable; following by polling");
            }
            return poll(cmd, jobId, last[0]);
        }

        /** Shows one event; returns the exit code when it is the job's final status, else null. */
        static Integer show(Sub cmd, EventView e, boolean tty) {
            if (cmd.json()) {
                cmd.out().println(Http.JSONB.toJson(e));
            } else if (tty) {
                cmd.out().print("\r" + bar(e.progress()) + " " + e.status() + pad(e.message()));
                if (!"progress".equals(e.type())) {
                    cmd.out().println();
                }
            } else {
                cmd.out().println(e.at() + " " + e.status() + " " + e.progress() + "%"
                        + (e.message() == null ? "" : " " + e.message()));
            }
            cmd.out().flush();
            return switch (e.status()) {
                case "completed" -> Aitbc.EXIT_OK;
                case "failed", "canceled" -> Aitbc.EXIT_JOB_FAILED;
                default -> null;
            };
        }

        /** Follows by asking for the events after the last one seen, until the job ends. */
        static int poll(Sub cmd, String jobId, long after) {
            boolean tty = System.console() != null && !cmd.json();
            int failures = 0;
            long interval = cmd instanceof Watch w ? w.intervalMs : 1000;
            while (true) {
                EventList events;
                try {
                    events = cmd.http().send("GET", "/v1/jobs/" + Http.q(jobId) + "/events?after=" + after, null,
                            EventList.class);
                    failures = 0;
                } catch (CliException e) {
                    if (e.exitCode != Aitbc.EXIT_NETWORK || ++failures > 30) {
                        throw e;
                    }
                    sleep(1000);
                    continue;
                }
                for (EventView e : events.events()) {
                    after = e.eventId();
                    Integer ended = show(cmd, e, tty);
                    if (ended != null) {
                        return ended;
                    }
                }
                sleep(interval);
            }
        }

        static String bar(int percent) {
            int filled = Math.max(0, Math.min(30, percent * 30 / 100));
            return "[" + "#".repeat(filled) + " ".repeat(30 - filled) + "] " + String.format("%3d%%", percent);
        }

        static String pad(String message) {
            return message == null ? "" : " " + message;
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(Aitbc.EXIT_NETWORK, "interrupted");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List jobs, newest first.")
    static class ListJobs extends Sub {
        @Option(names = "--status", description = "One or several, comma-separated: pending, running, completed, ...")
        String status;

        @Option(names = "--days", description = "Only jobs of the last N days")
        Integer days;

        @Option(names = "--from", description = "From this UTC date (YYYY-MM-DD), inclusive")
        String from;

        @Option(names = "--to", description = "To this UTC date (YYYY-MM-DD), inclusive")
        String to;

        @Option(names = "--limit", defaultValue = "20", description = "At most this many jobs")
        int limit;

        @Override
        public void run() {
            StringBuilder q = new StringBuilder("/v1/jobs?limit=" + limit);
            if (status != null) {
                q.append("&status=").append(Http.q(status));
            }
            if (days != null) {
                q.append("&days=").append(days);
            }
            if (from != null) {
                q.append("&from=").append(Http.q(from));
            }
            if (to != null) {
                q.append("&to=").append(Http.q(to));
            }
            String body = http().send("GET", q.toString(), null);
            if (json()) {
                out().println(body);
                return;
            }
            JobList list = Http.JSONB.fromJson(body, JobList.class);
            out().printf("%-30s %-10s %5s %-16s %-25s %s%n", "JOB ID", "STATUS", "PROG", "MODEL", "CREATED", "COST");
            for (JobView j : list.jobs()) {
                out().printf("%-30s %-10s %4d%% %-16s %-25s %s%n", j.jobId(), j.status(), j.progress(),
                        or(j.model()), j.createdAt(), money(j.cost() != null ? j.cost() : j.estimatedCost()));
            }
            out().println(list.jobs().size() + " of " + list.total() + " jobs" + (list.hasMore() ? " (more with --limit)" : ""));
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Export the job history to a file, streamed.")
    static class Export extends Sub {
        @Option(names = "--format", defaultValue = "json", description = "json or csv")
        String format;

        @Option(names = "--output", required = true, description = "The file to write")
        Path output;

        @Option(names = "--status")
        String status;

        @Option(names = "--from")
        String from;

        @Option(names = "--to")
        String to;

        @Override
        public void run() {
            StringBuilder q = new StringBuilder("/v1/jobs/export?format=" + Http.q(format));
            if (status != null) {
                q.append("&status=").append(Http.q(status));
            }
            if (from != null) {
                q.append("&from=").append(Http.q(from));
            }
            if (to != null) {
                q.append("&to=").append(Http.q(to));
            }
            try (InputStream in = http().stream(q.toString());
                 OutputStream file = Files.newOutputStream(output)) {
                long n = in.transferTo(file);
                if (json()) {
                    out().println("{\"output\":\"" + output + "\",\"bytes\":" + n + "}");
                } else {
                    out().println("Exported to " + output + " (" + n + " bytes)");
                }
            } catch (IOException e) {
                throw new CliException(Aitbc.EXIT_NETWORK, "export to " + output + " failed: " + e.getMessage());
            }
        }
    }

    @Command(name = "stats", mixinStandardHelpOptions = true, description = "Jobs submitted, success rate, average completion time, total spent.")
    static class Stats extends Sub {
        @Option(names = "--from")
        String from;

        @Option(names = "--to")
        String to;

        @Override
        public void run() {
            String q = "/v1/jobs/stats" + (from != null || to != null ? "?" : "")
                    + (from != null ? "from=" + Http.q(from) : "") + (from != null && to != null ? "&" : "")
                    + (to != null ? "to=" + Http.q(to) : "");
            String body = http().send("GET", q, null);
            if (json()) {
                out().println(body);
                return;
            }
            JobStats s = Http.JSONB.fromJson(body, JobStats.class);
            out().println("Total jobs submitted:    " + s.totalJobs());
            out().println("Success rate:            " + (s.successRate() == null ? "-"
                    : String.format("%.1f%%", s.successRate() * 100)));
            out().println("Average completion time: " + (s.averageCompletionSeconds() == null ? "-"
                    : String.format("%.1f s", s.averageCompletionSeconds())));
            out().println("Total spent:             " + money(s.totalSpent()));
            out().println("By status:               " + s.byStatus());
        }
    }

    // ---- cancel ---------------------------------------------------------------------------

    @Command(name = "cancel", mixinStandardHelpOptions = true, description = "Cancel a job (asks for confirmation unless --force).")
    static class Cancel extends Sub {
        @Option(names = "--job-id", required = true)
        String jobId;

        @Option(names = "--force", description = "Do not ask")
        boolean force;

        @Override
        public void run() {
            if (!force) {
                out().print("Cancel job " + jobId + "? [y/N] ");
                out().flush();
                String answer;
                try {
                    answer = new BufferedReader(new InputStreamReader(root().in, StandardCharsets.UTF_8)).readLine();
                } catch (IOException e) {
                    answer = null;
                }
                if (answer == null || !(answer.trim().equalsIgnoreCase("y") || answer.trim().equalsIgnoreCase("yes"))) {
                    out().println("Not canceled.");
                    return;
                }
            }
            String body;
            try {
                body = http().send("DELETE", "/v1/jobs/" + Http.q(jobId), null);
            } catch (CliException e) {
                if (e.exitCode == Aitbc.EXIT_CONFLICT) {
                    throw new CliException(Aitbc.EXIT_CONFLICT, "cancellation failed: " + e.getMessage());
                }
                throw e;
            }
            if (json()) {
                out().println(body);
                return;
            }
            JobView j = Http.JSONB.fromJson(body, JobView.class);
            out().println("canceling".equals(j.cancellation())
                    ? "Job " + jobId + " is canceling: its miner is stopping it."
                    : "Job " + jobId + " canceled.");
        }
    }

    // ---- results --------------------------------------------------------------------------

    @Command(name = "download", mixinStandardHelpOptions = true, description = "Download a job's results into DIR/job_<ID>/ and check every file.")
    static class Download extends Sub {
        @Option(names = "--job-id", required = true)
        String jobId;

        @Option(names = "--output", defaultValue = ".", description = "Folder to unpack into (default: here)")
        Path output;

        @Option(names = "--checksum", description = "Also write output.sha256 into the job folder")
        boolean checksum;

        @Override
        public void run() {
            Http http = http();
            Path dir = output.resolve(jobId);
            try {
                Files.createDirectories(output);
                Path zip = Files.createTempFile(output, ".aitbc-", ".zip");
                try {
                    fetch(http, "/v1/jobs/" + Http.q(jobId) + "/download", zip);
                    unzip(zip, output, jobId);
                } finally {
                    Files.deleteIfExists(zip);
                }
                String sums = http.send("GET", "/v1/jobs/" + Http.q(jobId) + "/download?checksum=true", null);
                int checked = 0;
                for (String line : sums.split("\n")) {
                    if (line.isBlank()) {
                        continue;
                    }
                    String expected = line.substring(0, 64);
                    String path = line.substring(66);
                    Path f = dir.resolve(path).normalize();
                    if (!f.startsWith(dir) || !Files.isRegularFile(f) || !sha256(f).equals(expected)) {
                        throw new CliException(Aitbc.EXIT_VERIFY, path + " does not match its checksum");
                    }
                    checked++;
                }
                if (checksum) {
                    Files.writeString(dir.resolve("output.sha256"), sums);
                }
                if (json()) {
                    out().println("{\"job_id\":\"" + jobId + "\",\"directory\":\"" + dir + "\",\"files_verified\":" + checked + "}");
                } else {
                    out().println("Downloaded to " + dir + ": " + checked + " files, all match their SHA-256"
                            + (checksum ? "; output.sha256 written (sha256sum -c output.sha256)" : ""));
                }
            } catch (IOException e) {
                throw new CliException(Aitbc.EXIT_NETWORK, "download failed: " + e.getMessage());
            }
        }

        /** Streams the package to disk, with a progress bar on a terminal. */
        private void fetch(Http http, String path, Path zip) throws IOException {
            var r = http.streamed(path);
            long total = r.headers().firstValueAsLong("Content-Length").orElse(-1);
            boolean tty = System.console() != null && !json();
            long done = 0;
            int shown = -1;
            try (InputStream in = r.body(); OutputStream file = Files.newOutputStream(zip)) {
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    file.write(buf, 0, n);
                    done += n;
                    int percent = total > 0 ? (int) (done * 100 / total) : 0;
                    if (tty && total > 0 && percent != shown) {
                        out().print("\r" + Watch.bar(percent) + " " + done + " of " + total + " bytes");
                        shown = percent;
                    }
                }
            }
            if (tty && total > 0) {
                out().println();
            }
        }

        private static void unzip(Path zip, Path into, String jobId) throws IOException {
            Path base = into.toAbsolutePath().normalize();
            try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
                ZipEntry e;
                while ((e = in.getNextEntry()) != null) {
                    Path target = base.resolve(e.getName()).normalize();
                    if (!target.startsWith(base.resolve(jobId))) {
                        throw new CliException(Aitbc.EXIT_VERIFY, "the package has an unexpected entry " + e.getName());
                    }
                    if (e.isDirectory()) {
                        Files.createDirectories(target);
                        continue;
                    }
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }

        static String sha256(Path f) throws IOException {
            try (InputStream in = Files.newInputStream(f)) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                }
                return HexFormat.of().formatHex(md.digest());
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Command(name = "share", mixinStandardHelpOptions = true, description = "Create a link that downloads the results without a key.")
    static class Share extends Sub {
        @Option(names = "--job-id", required = true)
        String jobId;

        @Option(names = "--expires", description = "How long: 30m, 12h, 7d (default 7d, at most 90d)")
        String expires;

        @Override
        public void run() {
            String body = http().send("POST", "/v1/jobs/" + Http.q(jobId) + "/share",
                    expires == null ? "{}" : Json.createObjectBuilder().add("expires", expires).build().toString());
            if (json()) {
                out().println(body);
                return;
            }
            JsonObject s = read(body);
            out().println("Share link: " + s.getString("url"));
            out().println("Expires:    " + s.getString("expires_at"));
        }
    }

    @Command(name = "verify", mixinStandardHelpOptions = true, description = "Have the coordinator re-check the stored files against their checksums.")
    static class Verify extends Sub {
        @Option(names = "--job-id", required = true)
        String jobId;

        @Override
        public void run() {
            String body = http().send("POST", "/v1/jobs/" + Http.q(jobId) + "/verify", null);
            JsonObject v = read(body);
            if (json()) {
                out().println(body);
            } else {
                for (JsonValue f : v.getJsonArray("files")) {
                    JsonObject o = f.asJsonObject();
                    out().printf("%-4s %s (%d bytes)%n", o.getBoolean("ok") ? "OK" : "BAD", o.getString("path"),
                            o.getJsonNumber("size_bytes").longValue());
                }
                out().println(v.getBoolean("verified") ? "All files verified." : "Verification FAILED.");
            }
            if (!v.getBoolean("verified")) {
                throw new CliException(Aitbc.EXIT_VERIFY, "some files of job " + jobId + " do not match their checksums");
            }
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a job's stored results (the job stays in the history).")
    static class Delete extends Sub {
        @Option(names = "--job-id", required = true)
        String jobId;

        @Override
        public void run() {
            String body = http().send("DELETE", "/v1/jobs/" + Http.q(jobId) + "/results", null);
            if (json()) {
                out().println(body);
            } else {
                out().println("Results of " + jobId + " deleted.");
            }
        }
    }
}
