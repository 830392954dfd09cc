package org.aitbc.coordinator.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Locks;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The user's guide typed as a user types it: every command of its CLI blocks, as printed (only
 * {@code <JOB_ID>} filled in), run by a shell as a real process, with {@code aitbc} found on
 * {@code PATH} through a symbolic link to {@code bin/aitbc} in a bin folder of its own, in a fresh
 * empty working directory, with default options and the guide's relative paths; then
 * {@code sha256sum -c output.sha256} in the same directory, as the guide's next line. The key and
 * URL come from the environment ({@code AITBC_URL}, {@code AITBC_API_KEY}), as a user sets them.
 * The reference miner's {@code --exec} is run the same way on a 200 KiB input.
 */
// Beside the waiting classes, not beside another heavy one: a JVM for every aitbc command.
@ResourceLock(Locks.CPU_HEAVY)
@Order(Schedule.LONG_WAITS)
public class GuideCommandsIT {
    /** The guide's command lines, in the guide's words (docs: ../shared/seeds/job-lifecycle-guide.md). */
    static final String STATUS = "aitbc client status --job-id <JOB_ID>";

    static final String WATCH = "aitbc client watch --job-id <JOB_ID>";
    static final String DOWNLOAD = "aitbc client download --job-id <JOB_ID> --output ./results";
    static final String SHARE = "aitbc client share --job-id <JOB_ID>";
    static final String SHARE_7D = "aitbc client share --job-id <JOB_ID> --expires 7d";
    static final String VERIFY = "aitbc client verify --job-id <JOB_ID>";
    static final String DOWNLOAD_CHECKSUM = "aitbc client download --job-id <JOB_ID> --checksum";
    static final String CHECK = "sha256sum -c output.sha256";
    static final String DELETE = "aitbc client delete --job-id <JOB_ID>";
    static final String LIST = "aitbc client list";
    static final String LIST_RUNNING = "aitbc client list --status running";
    static final String LIST_COMPLETED = "aitbc client list --status completed";
    static final String LIST_FAILED = "aitbc client list --status failed";
    static final String LIST_DAYS = "aitbc client list --days 7";
    static final String LIST_RANGE = "aitbc client list --from 2026-01-01 --to 2026-01-31";
    static final String GET = "aitbc client get --job-id <JOB_ID>";
    static final String EXPORT_JSON = "aitbc client export --format json --output jobs.json";
    static final String EXPORT_CSV = "aitbc client export --format csv --output jobs.csv";
    static final String STATS = "aitbc client stats";
    static final String CANCEL = "aitbc client cancel --job-id <JOB_ID>";
    static final String CANCEL_FORCE = "aitbc client cancel --job-id <JOB_ID> --force";
    static final List<String> GUIDE = List.of(
            STATUS,
            WATCH,
            DOWNLOAD,
            SHARE,
            SHARE_7D,
            VERIFY,
            DOWNLOAD_CHECKSUM,
            CHECK,
            DELETE,
            LIST,
            LIST_RUNNING,
            LIST_COMPLETED,
            LIST_FAILED,
            LIST_DAYS,
            LIST_RANGE,
            GET,
            EXPORT_JSON,
            EXPORT_CSV,
            STATS,
            CANCEL,
            CANCEL_FORCE);

    static Path checkout;

    @TempDir
    Path tmp;

    /** What a command printed and how it ended. */
    record Ran(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** A shell for one user: its working directory, bin folder with the aitbc link, and key. */
    final class Shell {
        final Path dir;
        final Map<String, String> env = new HashMap<>();

        Shell(Path dir, Path bin, String key) {
            this.dir = dir;
            env.put("PATH", bin + ":" + System.getenv("PATH"));
            env.put("AITBC_URL", Api.BASE);
            env.put("AITBC_API_KEY", key);
            // No saved configuration of the machine's user: only the environment counts.
            env.put("AITBC_CONFIG", tmp.resolve("no-config").toString());
        }

        Process start(String line, String jobId) throws IOException {
            ProcessBuilder pb = new ProcessBuilder("bash", "-c", jobId == null ? line : line.replace("<JOB_ID>", jobId))
                    .directory(dir.toFile());
            pb.environment().keySet().removeIf(k -> k.startsWith("AITBC_"));
            pb.environment().putAll(env);
            return pb.start();
        }

        /** Runs one command line as typed, answering {@code stdin} to any question. */
        Ran run(String line, String jobId, String stdin) throws Exception {
            Process p = start(line, jobId);
            p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            return finish(p, 120);
        }

        Ran run(String line, String jobId) throws Exception {
            return run(line, jobId, "");
        }
    }

    static Ran finish(Process p, int seconds) throws Exception {
        var out = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
        var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("still running after " + seconds + " s: "
                    + p.info().commandLine().orElse(""));
        }
        return new Ran(p.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
    }

    static String read(java.io.InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @BeforeAll
    static void findCheckout() {
        Path p = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        while (p != null && !Files.isRegularFile(p.resolve("bin/aitbc"))) {
            p = p.getParent();
        }
        assertTrue(p != null, "bin/aitbc above " + System.getProperty("user.dir"));
        checkout = p;
        assertTrue(
                Files.isRegularFile(checkout.resolve("cli/target/aitbc.jar")),
                "the CLI jar is built before these tests");
    }

    /** A bin folder holding only a link to the checkout's bin/aitbc, as README says to put it on PATH. */
    Path binWithAitbc(String name) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve(name));
        Files.createSymbolicLink(bin.resolve("aitbc"), checkout.resolve("bin/aitbc"));
        return bin;
    }

    /** A fresh, empty folder where the user starts. */
    Path emptyDir(String name) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        try (var entries = Files.list(dir)) {
            assertEquals(0, entries.count());
        }
        return dir;
    }

    @Test
    void theGuidesCommandsAsPrinted() throws Exception {
        Path guide = checkout.resolveSibling("shared/seeds/job-lifecycle-guide.md");
        if (Files.isRegularFile(guide)) {
            String text = Files.readString(guide);
            for (String line : GUIDE) {
                assertTrue(text.contains(line), "the guide prints: " + line);
            }
        }
        String region = Api.uniqueRegion();
        Path bin = binWithAitbc("bin");
        Shell user = new Shell(emptyDir("user"), bin, Api.client());
        Shell minerShell = new Shell(emptyDir("miner"), bin, Api.miner());

        Ran submitted = user.run("aitbc --json client submit --model gpt2 --input \"Hello\" --region " + region, null);
        assertEquals(0, submitted.code(), submitted.toString());
        String job = json(submitted.out()).getString("job_id");

        Ran status = user.run(STATUS, job);
        assertEquals(0, status.code(), status.toString());
        assertTrue(status.out().contains(job) && status.out().contains("pending"), status.out());

        Process miner = minerShell.start(
                "aitbc miner run --simulate --max-jobs 1 --step-ms 100 --idle-exit-seconds 60" + " --region " + region
                        + " --miner-id " + region + "-m",
                null);
        Ran watched = user.run(WATCH, job);
        assertEquals(0, watched.code(), watched.toString());
        assertTrue(watched.out().contains("completed"), watched.out());
        Ran minerRan = finish(miner, 60);
        assertEquals(0, minerRan.code(), minerRan.toString());

        // Results: a relative --output, then the default output with --checksum and the guide's next line.
        Map<String, String> sums = checksums(job, user);
        Ran download = user.run(DOWNLOAD, job);
        assertEquals(0, download.code(), download.toString());
        Path unpacked = user.dir.resolve("results").resolve(job);
        assertFilesMatch(unpacked, sums);
        assertEquals(
                "simulated output of " + job,
                Files.readString(unpacked.resolve("result.txt")).strip());

        Ran withChecksum = user.run(DOWNLOAD_CHECKSUM, job);
        assertEquals(0, withChecksum.code(), withChecksum.toString());
        assertFilesMatch(user.dir.resolve(job), sums);
        Ran check = user.run(CHECK, null);
        assertEquals(0, check.code(), check.toString());
        for (String path : sums.keySet()) {
            assertTrue(check.out().contains(job + "/" + path + ": OK"), check.out());
        }
        assertEquals(
                sums.size(), check.out().lines().filter(l -> l.endsWith(": OK")).count(), check.out());
        // The copy inside the job's folder checks from there.
        Ran inside = new Shell(user.dir.resolve(job), bin, "unused").run(CHECK, null);
        assertEquals(0, inside.code(), inside.toString());

        Ran share = user.run(SHARE, job);
        assertEquals(0, share.code(), share.toString());
        String link = share.out()
                .lines()
                .filter(l -> l.startsWith("Share link: "))
                .findFirst()
                .orElseThrow()
                .substring("Share link: ".length());
        assertEquals(200, Api.bytes("GET", link, null, null, Map.of()).status(), "the link needs no key");
        Ran share7d = user.run(SHARE_7D, job);
        assertEquals(0, share7d.code(), share7d.toString());
        assertTrue(share7d.out().contains("Expires:"), share7d.out());

        Ran verify = user.run(VERIFY, job);
        assertEquals(0, verify.code(), verify.toString());
        assertTrue(verify.out().contains("All files verified."), verify.out());

        // History.
        assertListed(user, LIST, job, true);
        assertListed(user, LIST_RUNNING, job, false);
        assertListed(user, LIST_COMPLETED, job, true);
        assertListed(user, LIST_FAILED, job, false);
        assertListed(user, LIST_DAYS, job, true);
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        assertListed(user, LIST_RANGE, job, today.getYear() == 2026 && today.getMonthValue() == 1);
        Ran get = user.run(GET, job);
        assertEquals(0, get.code(), get.toString());
        assertTrue(
                get.out().contains("Status:                completed")
                        && get.out().contains("Cost:"),
                get.out());

        Ran exportJson = user.run(EXPORT_JSON, null);
        assertEquals(0, exportJson.code(), exportJson.toString());
        try (JsonReader r = Json.createReader(Files.newBufferedReader(user.dir.resolve("jobs.json")))) {
            JsonArray jobs = r.readArray();
            assertEquals(1, jobs.size());
            assertEquals(job, jobs.getJsonObject(0).getString("job_id"));
        }
        Ran exportCsv = user.run(EXPORT_CSV, null);
        assertEquals(0, exportCsv.code(), exportCsv.toString());
        List<String> csv = Files.readAllLines(user.dir.resolve("jobs.csv"));
        assertEquals(2, csv.size(), csv.toString());
        assertTrue(csv.get(0).startsWith("job_id,status") && csv.get(1).startsWith(job + ",completed"), csv.toString());

        Ran stats = user.run(STATS, null);
        assertEquals(0, stats.code(), stats.toString());
        assertTrue(
                stats.out().contains("Total jobs submitted:    1")
                        && stats.out().contains("Success rate:            100.0%")
                        && stats.out().contains("Total spent:"),
                stats.out());

        Ran delete = user.run(DELETE, job);
        assertEquals(0, delete.code(), delete.toString());
        assertEquals(
                410, Api.get("/v1/jobs/" + job + "/download", userKey(user)).status(), "results deleted");
        assertEquals(4, user.run(DOWNLOAD, job).code(), "results gone: exit 4");

        // Cancel: the guide's first form asks; the second does not.
        String asked = Api.submit(userKey(user), region + "-none");
        Ran cancel = user.run(CANCEL, asked, "y\n");
        assertEquals(0, cancel.code(), cancel.toString());
        assertTrue(cancel.out().contains("Cancel job " + asked + "? [y/N]"), cancel.out());
        assertEquals("canceled", Api.job(userKey(user), asked).getString("status"));
        String forced = Api.submit(userKey(user), region + "-none");
        Ran force = user.run(CANCEL_FORCE, forced);
        assertEquals(0, force.code(), force.toString());
        assertEquals("canceled", Api.job(userKey(user), forced).getString("status"));
    }

    @Test
    void theReferenceMinerPassesALargePayloadOnStandardInputAndLeavesNothingBehind() throws Exception {
        String region = Api.uniqueRegion();
        Path bin = binWithAitbc("bin");
        Shell user = new Shell(emptyDir("user"), bin, Api.client());
        Shell minerShell = new Shell(emptyDir("miner"), bin, Api.miner());

        // 200 KiB of text: more than one argument or environment string may hold (128 KiB).
        byte[] random = new byte[150 * 1024];
        new Random(7).nextBytes(random);
        String input = java.util.Base64.getEncoder().encodeToString(random);
        assertTrue(input.length() >= 200 * 1024);
        Files.writeString(user.dir.resolve("input.txt"), input);
        Ran submitted = user.run("aitbc --json client submit --model gpt2 --input input.txt --region " + region, null);
        assertEquals(0, submitted.code(), submitted.toString());
        String job = json(submitted.out()).getString("job_id");

        // Outside the artifacts folder: a file and a folder the command links in. Neither may be uploaded.
        Path secret = Files.writeString(tmp.resolve("secret.txt"), "not for upload " + region);
        Path secretDir = Files.createDirectories(tmp.resolve("secret-dir"));
        Files.writeString(secretDir.resolve("inside.txt"), "not for upload either " + region);
        String command = "pwd > \"$AITBC_ARTIFACTS_DIR/workdir.txt\"; "
                + "ln -s '" + secret + "' \"$AITBC_ARTIFACTS_DIR/leak.txt\"; "
                + "ln -s '" + secretDir + "' \"$AITBC_ARTIFACTS_DIR/linked-dir\"; "
                + "echo weights > \"$AITBC_ARTIFACTS_DIR/model.bin\"; "
                // The payload comes on standard input only.
                + "if [ -n \"${AITBC_JOB_PAYLOAD+set}\" ]; then exit 9; fi; cat";
        Ran minerRan = minerShell.run(
                "aitbc miner run --max-jobs 1 --idle-exit-seconds 60 --region " + region + " --miner-id " + region
                        + "-m --exec '" + command.replace("'", "'\\''") + "'",
                null);
        assertEquals(0, minerRan.code(), minerRan.toString());
        assertTrue(minerRan.out().contains("job " + job + " completed"), minerRan.toString());
        JsonObject done = Api.job(userKey(user), job);
        assertEquals("completed", done.getString("status"), done.toString());

        // The command read the whole payload from standard input: its stdout (the result) is that payload.
        String result = Api.get("/v1/jobs/" + job + "/download?file=result.txt", userKey(user))
                .expect(200)
                .body();
        assertEquals(input, json(result).getString("input"));
        assertEquals(
                "weights\n",
                Api.get("/v1/jobs/" + job + "/download?file=artifacts/model.bin", userKey(user))
                        .expect(200)
                        .body());

        // Links were skipped, and said so.
        Map<String, String> sums = checksums(job, user);
        assertFalse(
                sums.keySet().stream().anyMatch(p -> p.contains("leak") || p.contains("linked-dir")), sums.toString());
        assertEquals(
                404,
                Api.get("/v1/jobs/" + job + "/download?file=artifacts/leak.txt", userKey(user))
                        .status());
        assertTrue(minerRan.err().contains("artifacts/leak.txt is a symbolic link; not uploaded"), minerRan.err());
        assertTrue(minerRan.err().contains("artifacts/linked-dir is a symbolic link; not uploaded"), minerRan.err());
        Ran download = user.run("aitbc client download --job-id <JOB_ID> --output ./results", job);
        assertEquals(0, download.code(), download.toString());
        try (var files = Files.walk(user.dir.resolve("results"))) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                assertFalse(Files.readString(f, StandardCharsets.ISO_8859_1).contains("not for upload"), f.toString());
            }
        }

        // The job's work folder (payload.json with it) is gone, and the linked files are untouched.
        String workdir = Api.get("/v1/jobs/" + job + "/download?file=artifacts/workdir.txt", userKey(user))
                .expect(200)
                .body()
                .strip();
        assertTrue(workdir.contains("aitbc-job-"), workdir);
        assertFalse(Files.exists(Path.of(workdir)), "work folder deleted: " + workdir);
        assertEquals("not for upload " + region, Files.readString(secret));
        assertTrue(Files.exists(secretDir.resolve("inside.txt")));
    }

    @Test
    void aCommandThatCannotStartFailsTheJobAtOnce() throws Exception {
        String region = Api.uniqueRegion();
        Shell user = new Shell(emptyDir("user"), binWithAitbc("bin"), Api.client());
        String job = Api.submit(userKey(user), region);
        // A PATH with what bin/aitbc needs (bash, java, dirname, readlink) and no sh: the command cannot start.
        Path bin = binWithAitbc("bin-without-sh");
        for (String tool : List.of("bash", "java", "dirname", "readlink")) {
            Files.createSymbolicLink(bin.resolve(tool), which(tool));
        }
        Shell minerShell = new Shell(emptyDir("miner"), bin, Api.miner());
        minerShell.env.put("PATH", bin.toString());
        Ran minerRan = minerShell.run(
                "aitbc miner run --max-jobs 1 --idle-exit-seconds 60 --region " + region + " --miner-id " + region
                        + "-m --exec cat",
                null);
        assertEquals(0, minerRan.code(), minerRan.toString());
        assertTrue(minerRan.out().contains("job " + job + " failed (not started)"), minerRan.toString());
        // Failed by the miner's report, not by the lease running out (that would say MINER_LOST).
        JsonObject failed = Api.awaitStatus(userKey(user), job, "failed", Duration.ofSeconds(5));
        assertEquals("EXEC_FAILED", failed.getJsonObject("error").getString("code"), failed.toString());
    }

    // ---- helpers --------------------------------------------------------------------------------

    static String userKey(Shell s) {
        return s.env.get("AITBC_API_KEY");
    }

    static Path which(String tool) throws Exception {
        Process p = new ProcessBuilder("bash", "-c", "command -v " + tool).start();
        Ran r = finish(p, 10);
        assertEquals(0, r.code(), tool + " on PATH");
        return Path.of(r.out().strip()).toRealPath();
    }

    static JsonObject json(String text) {
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readObject();
        }
    }

    /** The server's checksum list of the job: path → sha256. */
    static Map<String, String> checksums(String job, Shell user) {
        String list = Api.get("/v1/jobs/" + job + "/download?checksum=true", userKey(user))
                .expect(200)
                .body();
        Map<String, String> sums = new LinkedHashMap<>();
        list.lines().filter(l -> !l.isBlank()).forEach(l -> sums.put(l.substring(66), l.substring(0, 64)));
        assertTrue(sums.containsKey("output.json") && sums.containsKey("result.txt"), list);
        return sums;
    }

    static void assertFilesMatch(Path dir, Map<String, String> sums) throws Exception {
        for (Map.Entry<String, String> e : sums.entrySet()) {
            Path f = dir.resolve(e.getKey());
            assertTrue(Files.isRegularFile(f), f + " unpacked");
            String actual = HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f)));
            assertEquals(e.getValue(), actual, f.toString());
        }
    }

    static void assertListed(Shell user, String line, String job, boolean listed) throws Exception {
        Ran r = user.run(line, null);
        assertEquals(0, r.code(), line + ": " + r);
        assertTrue(r.out().startsWith("JOB ID"), line + ": " + r.out());
        assertEquals(listed, r.out().contains(job), line + ": " + r.out());
    }
}
