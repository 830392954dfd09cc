package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.wire.MinerAnswers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code aitbc miner run}: a reference miner, so the whole system can be tried without GPUs. */
@Command(
        name = "miner",
        mixinStandardHelpOptions = true,
        description = "Run a reference miner.",
        subcommands = MinerCommands.Run.class)
class MinerCommands {
    @ParentCommand
    Aitbc root;

    /** Acknowledges a cancel: the job's work has stopped. */
    static void canceledOnRequest(Http http, PrintStream out, String jobId) {
        fail(http, jobId, "CANCELED", "stopped on request");
        out.println("job " + jobId + " canceled on request");
    }

    /** Reports the job failed; the message is cut to the 2,000 characters the API takes. */
    static void fail(Http http, String jobId, String code, String message) {
        String text = message == null ? "" : message.length() > 2000 ? message.substring(0, 2000) : message;
        http.send(
                "POST",
                "/v1/miners/" + jobId + "/fail",
                Json.createObjectBuilder()
                        .add("error_code", code)
                        .add("error_message", text)
                        .build()
                        .toString());
    }

    @Command(
            name = "run",
            mixinStandardHelpOptions = true,
            description = "Register, then claim jobs and run each: a local command (--exec) or a "
                    + "simulation (--simulate). The command runs in a folder of its own, deleted after the job; it gets the "
                    + "job's payload as JSON on standard input (for a job whose input is an uploaded file, that file's bytes, "
                    + "with the payload in AITBC_PAYLOAD_FILE), its id in AITBC_JOB_ID, and a folder AITBC_ARTIFACTS_DIR "
                    + "whose files are uploaded as artifacts/... (symbolic links are not followed: they are skipped); its "
                    + "stdout and stderr are uploaded as logs/stdout.log and logs/stderr.log, and its stdout is the job's "
                    + "output. A command that cannot start or exits non-zero fails the job; a canceled job's command is "
                    + "stopped.")
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

        @Option(
                names = "--max-jobs",
                defaultValue = "0",
                description = "Stop after this many jobs (0: run until stopped)")
        int maxJobs;

        @Option(
                names = "--idle-exit-seconds",
                defaultValue = "0",
                description = "Stop after this long without a job (0: never)")
        int idleExit;

        private final Set<String> canceled = ConcurrentHashMap.newKeySet();

        @Override
        public void run() {
            if (exec == null && !simulate) {
                throw new CliException(Aitbc.EXIT_USAGE, "choose --exec COMMAND or --simulate");
            }
            Aitbc root = parent.root;
            Http registrar = minerId == null ? root.http() : root.http(Map.of("X-Miner-ID", minerId));
            var gpus = Json.createArrayBuilder();
            for (int i = 0; i < gpuCount; i++) {
                gpus.add(Json.createObjectBuilder().add("name", gpu).add("memory_mb", gpuMemoryMb));
            }
            var body = Json.createObjectBuilder()
                    .add(
                            "capabilities",
                            Json.createObjectBuilder()
                                    .add("gpus", gpus)
                                    .add("models", Json.createArrayBuilder(models))
                                    .add("gpu_count", gpuCount))
                    .add("concurrency", 1);
            if (region != null) {
                body.add("region", region);
            }
            MinerAnswers.Registered reg = registrar.send(
                    "POST", "/v1/miners/register", body.build().toString(), MinerAnswers.Registered.class);
            // Every later call names the id and the session this registration started, so that a
            // stale process of the same miner is told LEASE_LOST instead of writing over this one.
            Map<String, String> session = new java.util.LinkedHashMap<>();
            session.put("X-Miner-ID", reg.minerId());
            if (reg.sessionToken() != null) {
                session.put("X-Miner-Session", reg.sessionToken());
            }
            Http http = root.http(session);
            root.out.println("miner " + reg.minerId() + " registered at " + http.url);
            ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "aitbc-heartbeat");
                t.setDaemon(true);
                return t;
            });
            beats.scheduleWithFixedDelay(
                    () -> {
                        try {
                            MinerAnswers.Heartbeat hb = http.send(
                                    "POST",
                                    "/v1/miners/heartbeat",
                                    "{\"inflight\":0,\"status\":\"ONLINE\"}",
                                    MinerAnswers.Heartbeat.class);
                            canceled.addAll(hb.cancelJobIds());
                        } catch (RuntimeException e) {
                            // The next beat tries again; a job's own calls report a lost lease.
                        }
                    },
                    0,
                    2,
                    TimeUnit.SECONDS);
            try {
                int done = 0;
                long idleSince = System.currentTimeMillis();
                while (maxJobs == 0 || done < maxJobs) {
                    MinerAnswers.Assignment job = http.send(
                            "POST", "/v1/miners/poll", "{\"max_wait_seconds\":5}", MinerAnswers.Assignment.class);
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
            MinerAnswers.Progress p = http.send(
                    "POST",
                    "/v1/miners/" + jobId + "/progress",
                    Json.createObjectBuilder()
                            .add("progress", percent)
                            .add("message", message)
                            .build()
                            .toString(),
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
                        canceledOnRequest(http, parent.root.out, id);
                        return;
                    }
                }
                http.send(
                        "POST",
                        "/v1/miners/" + id + "/result",
                        Json.createObjectBuilder()
                                .add("result", Json.createObjectBuilder().add("output", "simulated output of " + id))
                                .add("metrics", Json.createObjectBuilder().add("simulated", true))
                                .build()
                                .toString());
                parent.root.out.println("job " + id + " completed");
                return;
            }
            new ExecJob(
                            http,
                            id,
                            exec,
                            parent.root.out,
                            parent.root.err,
                            (percent, message) -> progress(http, id, percent, message))
                    .run(job.payload());
        }
    }
}
