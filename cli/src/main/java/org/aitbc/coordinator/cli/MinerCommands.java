package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.aitbc.coordinator.wire.MinerAnswers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code aitbc miner run}: a reference miner, so the whole system can be tried without GPUs. */
@Command(name = "miner", mixinStandardHelpOptions = true, description = "Run a reference miner.", subcommands = MinerCommands.Run.class)
class MinerCommands {
    @ParentCommand
    Aitbc root;

    @Command(name = "run", mixinStandardHelpOptions = true, description = "Register, then claim jobs and run each: a local command (--exec) or a "
            + "simulation (--simulate). The command gets the job's payload as JSON on standard input and in "
            + "AITBC_JOB_PAYLOAD, its id in AITBC_JOB_ID, and a folder AITBC_ARTIFACTS_DIR whose files are uploaded "
            + "as artifacts/...; its stdout and stderr are uploaded as logs/stdout.log and logs/stderr.log, and its "
            + "stdout is the job's output. A canceled job's command is stopped.")
    static class Run implements Runnable {
        @ParentCommand
        MinerCommands parent;

        @Option(names = "--miner-id", description = "This miner's id (default: the key's own)")
        String minerId;

        @Option(names = "--exec", description = "Shell command to run for each job")
        String exec;

        @Option(names = "--simulate", description = "Pretend to work: a few progress steps, then a result")
        boolean simulate;

        @Option(names = "--steps", defaultValue = "5", description = "Progress steps of a simulated job")
        int steps;

        @Option(names = "--step-ms", defaultValue = "400", description = "Milliseconds per simulated step")
        long stepMs;

        @Option(names = "--gpu", defaultValue = "NVIDIA A100", description = "GPU name to announce")
        String gpu;

        @Option(names = "--gpu-memory-mb", defaultValue = "81920")
        int gpuMemoryMb;

        @Option(names = "--gpu-count", defaultValue = "1")
        int gpuCount;

        @Option(names = "--models", split = ",", description = "Models served (default: any)")
        List<String> models = List.of();

        @Option(names = "--region", description = "Region to announce")
        String region;

        @Option(names = "--max-jobs", defaultValue = "0", description = "Stop after this many jobs (0: run until stopped)")
        int maxJobs;

        @Option(names = "--idle-exit-seconds", defaultValue = "0", description = "Stop after this long without a job (0: never)")
        int idleExit;

        private final Set<String> canceled = ConcurrentHashMap.newKeySet();

        @Override
        public void run() {
            if (exec == null && !simulate) {
                throw new CliException(Aitbc.EXIT_USAGE, "choose --exec COMMAND or --simulate");
            }
            Aitbc root = parent.root;
            Http http = minerId == null ? root.http() : root.http(Map.of("X-Miner-ID", minerId));
            var gpus = Json.createArrayBuilder();
            for (int i = 0; i < gpuCount; i++) {
                gpus.add(Json.createObjectBuilder().add("name", gpu).add("memory_mb", gpuMemoryMb));
            }
            var body = Json.createObjectBuilder().add("capabilities", Json.createObjectBuilder().add("gpus", gpus)
                    .add("models", Json.createArrayBuilder(models)).add("gpu_count", gpuCount)).add("concurrency", 1);
            if (region != null) {
                body.add("region", region);
            }
            MinerAnswers.Registered reg = http.send("POST", "/v1/miners/register", body.build().toString(),
                    MinerAnswers.Registered.class);
            root.out.println("miner " + reg.minerId() + " registered at " + http.url);
            ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "aitbc-heartbeat");
                t.setDaemon(true);
                return t;
            });
            beats.scheduleWithFixedDelay(() -> {
                try {
                    MinerAnswers.Heartbeat hb = http.send("POST", "/v1/miners/heartbeat",
                            "{\"inflight\":0,\"status\":\"ONLINE\"}", MinerAnswers.Heartbeat.class);
                    canceled.addAll(hb.cancelJobIds());
                } catch (RuntimeException e) {
                    // The next beat tries again; a job's own calls report a lost lease.
                }
            }, 0, 2, TimeUnit.SECONDS);
            try {
                int done = 0;
                long idleSince = System.currentTimeMillis();
                while (maxJobs == 0 || done < maxJobs) {
                    MinerAnswers.Assignment job = http.send("POST", "/v1/miners/poll", "{\"max_wait_seconds\":5}",
                            MinerAnswers.Assignment.class);
                    if (job == null) {
                        if (idleExit > 0 && System.currentTimeMillis() - idleSince > idleExit * 1000L) {
                            break;
                        }
                        continue;
                    }
                    root.out.println("job " + job.jobId() + " claimed (attempt " + job.attempt() + ")");
                    try {
                        work(http, job);
                    } catch (CliException e) {
                        root.err.println("aitbc: job " + job.jobId() + ": " + e.getMessage());
                    }
                    done++;
                    idleSince = System.currentTimeMillis();
                }
            } finally {
                beats.shutdownNow();
            }
        }

        private boolean progress(Http http, String jobId, int percent, String message) {
            MinerAnswers.Progress p = http.send("POST", "/v1/miners/" + jobId + "/progress",
                    Json.createObjectBuilder().add("progress", percent).add("message", message).build().toString(),
                    MinerAnswers.Progress.class);
            return p.cancelRequested() || canceled.contains(jobId);
        }

        private void work(Http http, MinerAnswers.Assignment job) {
            String id = job.jobId();
            http.send("POST", "/v1/miners/" + id + "/start", null);
            if (simulate) {
                for (int i = 1; i <= steps; i++) {
                    Aitbc.sleep(stepMs);
                    if (progress(http, id, i * 100 / (steps + 1), "step " + i + " of " + steps)) {
                        stop(http, id);
                        return;
                    }
                }
                http.send("POST", "/v1/miners/" + id + "/result", Json.createObjectBuilder()
                        .add("result", Json.createObjectBuilder().add("output", "simulated output of " + id))
                        .add("metrics", Json.createObjectBuilder().add("simulated", true)).build().toString());
                parent.root.out.println("job " + id + " completed");
                return;
            }
            runCommand(http, job);
        }

        private void stop(Http http, String id) {
            http.send("POST", "/v1/miners/" + id + "/fail", "{\"error_code\":\"CANCELED\",\"error_message\":\"stopped on request\"}");
            parent.root.out.println("job " + id + " canceled on request");
        }

        private void runCommand(Http http, MinerAnswers.Assignment job) {
            String id = job.jobId();
            try {
                Path work = Files.createTempDirectory("aitbc-job-");
                Path artifacts = Files.createDirectories(work.resolve("artifacts"));
                Path stdout = work.resolve("stdout.log");
                Path stderr = work.resolve("stderr.log");
                Path stdin = work.resolve("payload.json");
                String payload = job.payload() == null ? "null" : job.payload().toString();
                Files.writeString(stdin, payload);
                ProcessBuilder pb = new ProcessBuilder("sh", "-c", exec).directory(work.toFile())
                        .redirectInput(stdin.toFile()).redirectOutput(stdout.toFile()).redirectError(stderr.toFile());
                pb.environment().put("AITBC_JOB_ID", id);
                pb.environment().put("AITBC_JOB_PAYLOAD", payload);
                pb.environment().put("AITBC_ARTIFACTS_DIR", artifacts.toString());
                Process p = pb.start();
                int tick = 0;
                boolean stopped = false;
                while (!p.waitFor(1, TimeUnit.SECONDS)) {
                    tick++;
                    if (progress(http, id, Math.min(95, tick * 5), "running")) {
                        p.destroy();
                        if (!p.waitFor(5, TimeUnit.SECONDS)) {
                            p.destroyForcibly();
                        }
                        stopped = true;
                        break;
                    }
                }
                upload(http, id, "logs/stdout.log", stdout);
                upload(http, id, "logs/stderr.log", stderr);
                try (Stream<Path> files = Files.walk(artifacts)) {
                    for (Path f : files.filter(Files::isRegularFile).toList()) {
                        upload(http, id, "artifacts/" + artifacts.relativize(f).toString().replace('\\', '/'), f);
                    }
                }
                if (stopped) {
                    stop(http, id);
                    return;
                }
                int exit = p.exitValue();
                if (exit != 0) {
                    http.send("POST", "/v1/miners/" + id + "/fail", Json.createObjectBuilder().add("error_code", "EXIT_" + exit)
                            .add("error_message", "the command exited with status " + exit).build().toString());
                    parent.root.out.println("job " + id + " failed (exit " + exit + ")");
                    return;
                }
                String output = Files.readString(stdout, StandardCharsets.UTF_8);
                JsonObject result = Json.createObjectBuilder()
                        .add("result", Json.createObjectBuilder().add("output", output))
                        .add("metrics", Json.createObjectBuilder().add("seconds", tick)).build();
                http.send("POST", "/v1/miners/" + id + "/result", result.toString());
                parent.root.out.println("job " + id + " completed");
            } catch (IOException e) {
                throw new CliException(Aitbc.EXIT_NETWORK, "cannot run the job: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(Aitbc.EXIT_NETWORK, "interrupted");
            }
        }

        private void upload(Http http, String id, String path, Path file) {
            int status = http.upload("/v1/miners/" + id + "/files/" + path, file);
            if (status == 404 || status == 405) {
                parent.root.err.println("aitbc: this coordinator does not accept result files; " + path + " not uploaded");
            }
        }
    }
}
