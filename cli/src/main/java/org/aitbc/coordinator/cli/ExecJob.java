package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import jakarta.json.JsonValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * One job of {@code aitbc miner run --exec COMMAND}, from the claimed job to its end. A fresh work
 * folder holds {@code payload.json} (the command's standard input: the payload never goes into
 * arguments or the environment, whose size the system limits; for a job whose input is an uploaded
 * file, that file's bytes are the standard input instead, downloaded to {@code input.bin}), {@code stdout.log},
 * {@code stderr.log} and {@code artifacts/}. The command runs there under {@code sh -c}, with
 * progress reported every second and its logs streamed as it writes them ({@link LogStreamer}); then its logs and the regular files of {@code artifacts/} are
 * uploaded (a symbolic link is skipped, never followed), and the job is completed with its stdout
 * or failed with the reason: a command that cannot start, that exits non-zero, or any error of this
 * miner is reported to {@code /fail}, so that the job never waits for its lease to run out. Whatever
 * happens, the command and the processes it started are stopped and the work folder is deleted.
 */
final class ExecJob {
    /** Reports progress; answers whether the job is to be canceled. */
    interface Progress {
        boolean report(int percent, String message);
    }

    private final Http http;
    private final String id;
    private final String command;
    private final PrintStream out;
    private final PrintStream err;
    private final Progress progress;
    private int seconds;

    ExecJob(Http http, String id, String command, PrintStream out, PrintStream err, Progress progress) {
        this.http = http;
        this.id = id;
        this.command = command;
        this.out = out;
        this.err = err;
        this.progress = progress;
    }

    /** Runs the job to its end; a CliException says why this miner could not (the job is failed first). */
    void run(JsonValue payload) {
        Path work = null;
        Process process = null;
        LogStreamer logs = null;
        try {
            work = Files.createTempDirectory("aitbc-job-");
            Path artifacts = Files.createDirectories(work.resolve("artifacts"));
            Path stdout = work.resolve("stdout.log");
            Path stderr = work.resolve("stderr.log");
            Path stdin = work.resolve("payload.json");
            Files.writeString(stdin, payload == null ? "null" : payload.toString());
            if (inputFileId(payload) != null) {
                // A job with an uploaded input: its bytes are the command's standard input, streamed to disk
                // first (any size); the payload stays beside it as payload.json (AITBC_PAYLOAD_FILE).
                Path input = work.resolve("input.bin");
                try (InputStream in = http.stream("/v1/miners/" + id + "/input")) {
                    Files.copy(in, input);
                }
                stdin = input;
            }
            ProcessBuilder pb = new ProcessBuilder("sh", "-c", command)
                    .directory(work.toFile())
                    .redirectInput(stdin.toFile())
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile());
            pb.environment().put("AITBC_JOB_ID", id);
            pb.environment()
                    .put("AITBC_PAYLOAD_FILE", work.resolve("payload.json").toString());
            pb.environment().put("AITBC_ARTIFACTS_DIR", artifacts.toString());
            try {
                process = pb.start();
            } catch (IOException e) {
                failed("EXEC_FAILED", "the command could not be started: " + e.getMessage(), "not started");
                return;
            }
            logs = new LogStreamer(http, id, stdout, stderr, err);
            logs.start();
            boolean canceled = awaitEnd(process);
            logs.finish();
            uploadFile("logs/stdout.log", stdout);
            uploadFile("logs/stderr.log", stderr);
            uploadArtifacts(artifacts);
            if (canceled) {
                MinerCommands.canceledOnRequest(http, out, id);
            } else if (process.exitValue() != 0) {
                int exit = process.exitValue();
                failed("EXIT_" + exit, "the command exited with status " + exit, "exit " + exit);
            } else {
                complete(read(stdout));
            }
        } catch (IOException | RuntimeException e) {
            throw failedQuietly("the job could not be run: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failedQuietly("interrupted");
        } finally {
            if (logs != null) {
                logs.stop();
            }
            terminate(process);
            delete(work);
        }
    }

    /** The uploaded input a payload names ({@code input.file_id}, or the older {@code input_file_id}), if any. */
    static String inputFileId(JsonValue payload) {
        if (!(payload instanceof jakarta.json.JsonObject p)) {
            return null;
        }
        if (p.get("input") instanceof jakarta.json.JsonObject in
                && in.get("file_id") instanceof jakarta.json.JsonString f) {
            return f.getString();
        }
        return p.get("input_file_id") instanceof jakarta.json.JsonString f ? f.getString() : null;
    }

    /** Waits for the command, reporting progress each second; stops it and returns true when the job is canceled. */
    private boolean awaitEnd(Process process) throws InterruptedException {
        while (!process.waitFor(1, TimeUnit.SECONDS)) {
            seconds++;
            if (progress.report(Math.min(95, seconds * 5), "running")) {
                terminate(process);
                return true;
            }
        }
        return false;
    }

    private void complete(String output) {
        http.send(
                "POST",
                "/v1/miners/" + id + "/result",
                Json.createObjectBuilder()
                        .add("result", Json.createObjectBuilder().add("output", output))
                        .add("metrics", Json.createObjectBuilder().add("seconds", seconds))
                        .build()
                        .toString());
        out.println("job " + id + " completed");
    }

    private void failed(String code, String message, String shown) {
        MinerCommands.fail(http, id, code, message);
        out.println("job " + id + " failed (" + shown + ")");
    }

    /** Fails the job if the coordinator still lets this miner (a lost lease refuses it too); returns the error. */
    private CliException failedQuietly(String message) {
        try {
            MinerCommands.fail(http, id, "MINER_ERROR", message);
        } catch (RuntimeException e) {
            // The job is no longer this miner's (or the coordinator is unreachable): the lease decides.
        }
        return new CliException(Aitbc.EXIT_NETWORK, "cannot run the job: " + message);
    }

    /** The command's stdout, not through a link it may have put in the log's place. */
    private static String read(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** Uploads the regular files below {@code artifacts}; a symbolic link (to a file or folder) is skipped. */
    private void uploadArtifacts(Path artifacts) throws IOException {
        List<Path> entries;
        try (Stream<Path> walk = Files.walk(artifacts)) {
            entries = walk.filter(f -> !f.equals(artifacts)).toList();
        }
        for (Path f : entries) {
            String path = "artifacts/" + artifacts.relativize(f).toString().replace('\\', '/');
            if (Files.isSymbolicLink(f)) {
                err.println("aitbc: job " + id + ": " + path + " is a symbolic link; not uploaded");
            } else if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                uploadFile(path, f);
            }
        }
    }

    private void uploadFile(String path, Path file) {
        int status = http.upload("/v1/miners/" + id + "/files/" + path, file);
        if (status == 404 || status == 405) {
            err.println("aitbc: this coordinator does not accept result files; " + path + " not uploaded");
        }
    }

    /** Stops the command and what it started (a shell's children outlive it otherwise). */
    private static void terminate(Process process) {
        if (process == null) {
            return;
        }
        List<ProcessHandle> children = process.descendants().toList();
        children.forEach(ProcessHandle::destroy);
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
        children.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }

    /** Deletes the work folder and everything in it; links are deleted, never followed. */
    private void delete(Path work) {
        if (work == null) {
            return;
        }
        try {
            Files.walkFileTree(work, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    Files.delete(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            err.println("aitbc: job " + id + ": could not delete its work folder " + work + ": " + e.getMessage());
        }
    }
}
