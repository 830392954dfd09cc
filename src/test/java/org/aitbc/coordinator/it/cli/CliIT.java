package org.aitbc.coordinator.it.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.cli.Aitbc;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * The aitbc CLI run as a user runs it (its main entry, in-process, with its own standard
 * streams, environment and exit code) against the real server: every command of the guide.
 */
public class CliIT {
    /** One run of the CLI: exit code and what it printed. */
    record Run(int code, String out, String err) {
        JsonObject json() {
            try (JsonReader r = Json.createReader(new StringReader(out))) {
                return r.readObject();
            }
        }
    }

    static Run aitbc(String key, String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = new HashMap<>();
        env.put("AITBC_URL", Api.BASE);
        if (key != null) {
            env.put("AITBC_API_KEY", key);
        }
        env.put(
                "AITBC_CONFIG",
                System.getProperty("java.io.tmpdir") + "/aitbc-cli-it-"
                        + ProcessHandle.current().pid());
        int code = Aitbc.run(
                args,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                env);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    static CompletableFuture<Run> miner(String minerKey, String minerId, String region, int jobs, String... extra) {
        List<String> args = new java.util.ArrayList<>(List.of(
                "miner",
                "run",
                "--miner-id",
                minerId,
                "--region",
                region,
                "--max-jobs",
                String.valueOf(jobs),
                "--idle-exit-seconds",
                "60"));
        args.addAll(List.of(extra));
        return CompletableFuture.supplyAsync(() -> aitbc(minerKey, "", args.toArray(String[]::new)));
    }

    @Test
    void theGuidesClientCommands() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();

        Run submitted = aitbc(
                client,
                "",
                "--json",
                "client",
                "submit",
                "--model",
                "gpt2",
                "--input",
                "Hello",
                "--region",
                region,
                "--priority",
                "high");
        assertEquals(0, submitted.code(), submitted.err());
        String job = submitted.json().getString("job_id");
        assertEquals("high", submitted.json().getString("priority"));

        Run status = aitbc(client, "", "client", "status", "--job-id", job);
        assertEquals(0, status.code());
        assertTrue(status.out().contains(job) && status.out().contains("pending"), status.out());

        // watch follows the job while the reference miner runs it; exit 0 when it completes.
        CompletableFuture<Run> worker = miner(minerKey, region + "-m", region, 1, "--simulate", "--step-ms", "100");
        Run watched = aitbc(client, "", "client", "watch", "--job-id", job);
        assertEquals(0, watched.code(), watched.out() + watched.err());
        assertTrue(watched.out().contains("completed"), watched.out());
        assertTrue(watched.out().contains("step 3 of 5"), "progress reported live: " + watched.out());
        assertTrue(!watched.err().contains("unavailable"), "followed over the WebSocket feed: " + watched.err());
        assertEquals(0, worker.get(60, TimeUnit.SECONDS).code());
        // The same job followed by polling (the fallback) shows the same events.
        Run polled = aitbc(client, "", "client", "watch", "--job-id", job, "--poll", "--interval-ms", "200");
        assertEquals(0, polled.code());
        assertEquals(watched.out(), polled.out(), "feed and polling agree event for event");

        Run get = aitbc(client, "", "--json", "client", "get", "--job-id", job);
        assertEquals("completed", get.json().getString("status"));
        Run human = aitbc(client, "", "client", "get", "--job-id", job);
        assertTrue(human.out().contains("Cost:") && human.out().contains("kept until"), human.out());

        // download + checksum, checked with the real sha256sum.
        Path dir = Files.createTempDirectory("aitbc-cli-it");
        Run download =
                aitbc(client, "", "client", "download", "--job-id", job, "--output", dir.toString(), "--checksum");
        assertEquals(0, download.code(), download.err());
        assertTrue(Files.exists(dir.resolve(job).resolve("result.txt")));
        Process check = new ProcessBuilder("sha256sum", "-c", "output.sha256")
                .directory(dir.resolve(job).toFile())
                .redirectErrorStream(true)
                .start();
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        check.waitFor(30, TimeUnit.SECONDS);
        assertEquals(0, check.exitValue(), said);

        Run share = aitbc(client, "", "--json", "client", "share", "--job-id", job, "--expires", "7d");
        assertEquals(0, share.code(), share.err());
        assertTrue(share.json().getString("url").contains("/v1/shares/"));
        Run verify = aitbc(client, "", "client", "verify", "--job-id", job);
        assertEquals(0, verify.code());
        assertTrue(verify.out().contains("All files verified."), verify.out());

        Run list = aitbc(client, "", "client", "list", "--status", "completed");
        assertTrue(list.out().contains(job), list.out());
        Run listJson = aitbc(client, "", "--json", "client", "list", "--days", "7");
        assertEquals(1, listJson.json().getInt("total"));
        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        assertEquals(
                1,
                aitbc(client, "", "--json", "client", "list", "--from", today, "--to", today)
                        .json()
                        .getInt("total"));

        Path csv = dir.resolve("jobs.csv");
        Path json = dir.resolve("jobs.json");
        assertEquals(
                0,
                aitbc(client, "", "client", "export", "--format", "csv", "--output", csv.toString())
                        .code());
        assertEquals(
                0,
                aitbc(client, "", "client", "export", "--format", "json", "--output", json.toString())
                        .code());
        assertTrue(Files.readAllLines(csv).get(1).startsWith(job));
        try (JsonReader r = Json.createReader(Files.newBufferedReader(json))) {
            JsonArray a = r.readArray();
            assertEquals(job, a.getJsonObject(0).getString("job_id"));
        }

        Run stats = aitbc(client, "", "client", "stats");
        assertTrue(
                stats.out().contains("Total jobs submitted:    1")
                        && stats.out().contains("Success rate:            100.0%"),
                stats.out());

        Run daily = aitbc(client, "", "client", "stats", "--daily", "--from", today, "--to", today);
        assertEquals(0, daily.code(), daily.out());
        assertTrue(
                daily.out().lines().anyMatch(l -> l.matches(today + "\\s+1\\s+1\\s+0\\s+0\\s+.*")),
                "one line per day: date, jobs, completed, failed, canceled, spent: " + daily.out());

        Run delete = aitbc(client, "", "client", "delete", "--job-id", job);
        assertEquals(0, delete.code());
        assertEquals(
                4,
                aitbc(client, "", "client", "download", "--job-id", job, "--output", dir.toString())
                        .code(),
                "results gone: exit 4");

        // Canceling a completed job: the guide's "cancellation failed".
        Run late = aitbc(client, "", "client", "cancel", "--job-id", job, "--force");
        assertEquals(5, late.code());
        assertTrue(late.err().contains("cancellation failed"), late.err());
    }

    @Test
    void cancelAsksForConfirmation() {
        String client = Api.client();
        String region = Api.uniqueRegion();
        String job = aitbc(client, "", "--json", "client", "submit", "--model", "gpt2", "--region", region)
                .json()
                .getString("job_id");
        Run no = aitbc(client, "n\n", "client", "cancel", "--job-id", job);
        assertEquals(0, no.code());
        assertTrue(
                no.out().contains("Cancel job " + job + "? [y/N]") && no.out().contains("Not canceled."), no.out());
        assertEquals("pending", Api.job(client, job).getString("status"));
        Run yes = aitbc(client, "y\n", "client", "cancel", "--job-id", job);
        assertEquals(0, yes.code(), yes.err());
        assertTrue(yes.out().contains("canceled"), yes.out());
        assertEquals("canceled", Api.job(client, job).getString("status"));
    }

    @Test
    void theReferenceMinerRunsACommandAndHonoursCancel() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String job = aitbc(
                        client,
                        "",
                        "--json",
                        "client",
                        "submit",
                        "--model",
                        "gpt2",
                        "--input",
                        "{\"n\":3}",
                        "--region",
                        region)
                .json()
                .getString("job_id");
        CompletableFuture<Run> worker = miner(
                minerKey,
                region + "-m",
                region,
                1,
                "--exec",
                "cat; echo; echo to-stderr >&2; echo weights > \"$AITBC_ARTIFACTS_DIR/model.bin\"");
        Run watched = aitbc(client, "", "client", "watch", "--job-id", job, "--interval-ms", "200");
        assertEquals(
                0,
                watched.code(),
                watched.out() + worker.get(60, TimeUnit.SECONDS).err());
        String result = Api.get("/v1/jobs/" + job + "/download?file=result.txt", client)
                .expect(200)
                .body();
        assertTrue(result.contains("\"n\":3"), "the command received the payload: " + result);
        assertEquals(
                "to-stderr\n",
                Api.get("/v1/jobs/" + job + "/download?file=logs/stderr.log", client)
                        .body());
        assertEquals(
                "weights\n",
                Api.get("/v1/jobs/" + job + "/download?file=artifacts/model.bin", client)
                        .body());

        // A long command is stopped when the client cancels; watch then exits non-zero.
        String slow = aitbc(client, "", "--json", "client", "submit", "--model", "gpt2", "--region", region)
                .json()
                .getString("job_id");
        CompletableFuture<Run> worker2 = miner(minerKey, region + "-m", region, 1, "--exec", "sleep 120");
        Api.awaitStatus(client, slow, "running", java.time.Duration.ofSeconds(30));
        Run cancel = aitbc(client, "", "client", "cancel", "--job-id", slow, "--force");
        assertEquals(0, cancel.code());
        assertTrue(cancel.out().contains("canceling"), cancel.out());
        Run watchedCancel = aitbc(client, "", "client", "watch", "--job-id", slow, "--interval-ms", "200");
        assertEquals(1, watchedCancel.code(), watchedCancel.out());
        assertEquals("canceled", Api.job(client, slow).getString("status"));
        assertTrue(worker2.get(60, TimeUnit.SECONDS).out().contains("canceled on request"));
    }

    @Test
    void submitUploadsAnInputFileAndTheMinersCommandReadsItOnStandardInput() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        java.nio.file.Path file = java.nio.file.Files.createTempFile("aitbc-input-", ".bin");
        try {
            byte[] content = new byte[3 * 1024 * 1024 + 17];
            new java.util.Random(13).nextBytes(content);
            java.nio.file.Files.write(file, content);
            String expected = java.util.HexFormat.of()
                    .formatHex(
                            java.security.MessageDigest.getInstance("SHA-256").digest(content));
            Run submitted = aitbc(
                    client,
                    "",
                    "--json",
                    "client",
                    "submit",
                    "--model",
                    "gpt2",
                    "--input-file",
                    file.toString(),
                    "--region",
                    region);
            assertEquals(0, submitted.code(), submitted.err());
            assertTrue(submitted.err().contains("Uploading") && submitted.err().contains("100%"), submitted.err());
            String job = submitted.json().getString("job_id");

            CompletableFuture<Run> worker =
                    miner(minerKey, region + "-m", region, 1, "--exec", "sha256sum | cut -d' ' -f1");
            Run watched = aitbc(client, "", "client", "watch", "--job-id", job, "--interval-ms", "200");
            assertEquals(
                    0,
                    watched.code(),
                    watched.out() + worker.get(60, TimeUnit.SECONDS).err());
            String result = Api.get("/v1/jobs/" + job + "/download?file=result.txt", client)
                    .expect(200)
                    .body();
            assertEquals(expected, result.trim(), "the command read the uploaded file's bytes on standard input");

            Run both = aitbc(
                    client, "", "client", "submit", "--model", "gpt2", "--input", "x", "--input-file", file.toString());
            assertEquals(2, both.code(), both.err());
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void errorsAreOneLineWithDistinctExitCodes() {
        String client = Api.client();
        Run missing = aitbc(client, "", "client", "status", "--job-id", "job_nosuch000000000000000000");
        assertEquals(4, missing.code());
        assertEquals(1, missing.err().strip().lines().count(), missing.err());
        assertTrue(missing.err().contains("JOB_NOT_FOUND"));
        assertEquals(3, aitbc("aitbc_wrongkey", "", "client", "list").code());
        assertEquals(3, aitbc(null, "", "client", "list").code());
        assertEquals(2, aitbc(client, "", "client", "status").code(), "missing --job-id");
        assertEquals(2, aitbc(client, "", "client", "frobnicate").code());
        Run bad = aitbc(client, "", "client", "submit", "--model", "gpt2", "--priority", "asap");
        assertEquals(5, bad.code());
        assertTrue(bad.err().contains("priority"), bad.err());
        Run offline = aitbc(client, "", "--url", "http://127.0.0.1:1", "client", "list");
        assertEquals(6, offline.code());
        assertTrue(!offline.err().contains("Exception") && !offline.err().contains("\tat "), offline.err());
        Run help = aitbc(null, "", "--help");
        assertTrue(help.out().contains("Exit codes:"), help.out());
    }

    @Test
    void configSetAndShow() throws Exception {
        try {
            configRoundTrip();
        } finally {
            // Other tests rely on there being no saved key.
            Files.deleteIfExists(Path.of(
                    System.getProperty("java.io.tmpdir"),
                    "aitbc-cli-it-" + ProcessHandle.current().pid()));
        }
    }

    private void configRoundTrip() {
        String key = Api.client();
        Run set = aitbc(null, "", "config", "set", "api_key", key);
        assertEquals(0, set.code(), set.err());
        aitbc(null, "", "config", "set", "coordinator_url", Api.BASE);
        Run show = aitbc(null, "", "config", "show");
        assertTrue(show.out().contains(Api.BASE));
        assertTrue(!show.out().contains(key), "the key is masked");
        assertEquals(2, aitbc(null, "", "config", "set", "colour", "blue").code());
    }
}
