package org.aitbc.coordinator.it.logs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.cli.Aitbc;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code aitbc miner run --exec} streams the command's output while it runs, and {@code aitbc
 * client logs --follow} prints it and exits with the job's outcome, as {@code watch} does.
 */
class CliLogsIT {
    record Run(int code, String out, String err) {}

    @BeforeAll
    static void ready() {
        Api.awaitReady();
    }

    private static Run aitbc(String key, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Aitbc.run(
                args,
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8),
                Map.of(
                        "AITBC_URL",
                        Api.BASE,
                        "AITBC_API_KEY",
                        key,
                        "AITBC_CONFIG",
                        System.getProperty("java.io.tmpdir") + "/aitbc-cli-logs-it-"
                                + ProcessHandle.current().pid()));
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static CompletableFuture<Run> miner(String key, String region, String command) {
        return CompletableFuture.supplyAsync(() -> aitbc(
                key,
                "miner",
                "run",
                "--miner-id",
                region + "-m",
                "--region",
                region,
                "--max-jobs",
                "1",
                "--idle-exit-seconds",
                "60",
                "--exec",
                command));
    }

    @Test
    void theMinerStreamsWhileTheCommandRunsAndFollowExitsWithTheJob() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String job = Api.submit(client, region);
        // One line, a pause long enough to look while the job runs, then 300 more and one on stderr.
        CompletableFuture<Run> worker = miner(
                minerKey,
                region,
                "echo first; sleep 4; i=1; while [ $i -le 300 ]; do echo \"line $i\"; i=$((i+1)); done; echo oops >&2");
        CompletableFuture<Run> follower =
                CompletableFuture.supplyAsync(() -> aitbc(client, "client", "logs", "--job-id", job, "--follow"));

        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String seen = "";
        while (!seen.startsWith("first\n") && System.nanoTime() < until) {
            Api.sleep(100);
            Api.Res r = Api.get("/v1/jobs/" + job + "/logs", client);
            seen = r.status() == 200 ? r.body() : "";
        }
        assertEquals("first\n", seen, "the first line is there while the command sleeps");
        assertEquals("running", Api.job(client, job).getString("status"), "streamed before the job ended");

        Run w = worker.get(90, TimeUnit.SECONDS);
        assertEquals(0, w.code(), w.err());
        Run f = follower.get(30, TimeUnit.SECONDS);
        StringBuilder expected = new StringBuilder("first\n");
        for (int i = 1; i <= 300; i++) {
            expected.append("line ").append(i).append('\n');
        }
        assertEquals(0, f.code(), f.err());
        assertEquals(expected.toString(), f.out(), "every line once, in order");
        Run err = aitbc(client, "client", "logs", "--job-id", job, "--stream", "stderr");
        assertEquals(0, err.code(), err.err());
        assertEquals("oops\n", err.out());
    }

    @Test
    void followExitsOneWhenTheJobFails() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String job = Api.submit(client, region);
        CompletableFuture<Run> worker = miner(minerKey, region, "echo trying; sleep 1; exit 3");
        Run f = aitbc(client, "client", "logs", "--job-id", job, "--follow");
        worker.get(90, TimeUnit.SECONDS);
        assertEquals(1, f.code(), f.out() + f.err());
        assertEquals("trying\n", f.out());
        assertTrue(f.err().contains("did not complete"), f.err());
        Run bad = aitbc(client, "client", "logs", "--job-id", job, "--stream", "stdin");
        assertEquals(2, bad.code(), bad.err());
    }
}
