package org.aitbc.coordinator.it.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Live logs on the object-store server ({@code aitbc.results.store=s3}, so {@code aitbc.logs.store=auto}
 * keeps them in the database): appends and reads by offset, a follower getting bytes appended
 * after it started, the tail kept past the limit (2 MiB on this server, src/test/liberty/server-s3.env)
 * with offsets counting on, the package's {@code logs/stdout.log}, and no log byte on the server's
 * disk. The logs of a deleted or expired result leave no row: the server's own gauge of log rows
 * ({@code aitbc_logs_database_chunks}) says so, since this server's embedded Derby cannot be opened
 * by a second process while it runs; no other test of this server appends live logs. Runs after
 * {@link ObjectStoreIT} (alphabetical order), whose first test needs a bucket no one has used.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ObjectStoreLogsIT {
    private static final long MAX = 2L * 1024 * 1024;

    @BeforeAll
    static void ready() {
        Api.awaitReady();
    }

    /** The folder the file store would use: live logs of the file home would be under {@code <job>/.logs}. */
    private static Path localFolder(String job) {
        return Paths.get(System.getProperty("it.server.dir"), "data", "results", job);
    }

    /** A running job held by a fresh miner: [client key, miner key, miner id, job id]. */
    private static String[] runningJob(String client) {
        String miner = Api.miner();
        String region = Api.uniqueRegion();
        String minerId = "dblogs-" + region;
        Api.register(miner, minerId, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(miner, minerId, 5));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + minerId, miner, "{}")
                .expect(200);
        return new String[] {client, miner, minerId, job};
    }

    private static JsonObject append(String[] j, byte[] data, Long offset) {
        Map<String, String> headers = new HashMap<>(Map.of("Content-Type", "text/plain"));
        if (offset != null) {
            headers.put("X-Log-Offset", offset.toString());
        }
        Api.Bytes r =
                Api.bytes("POST", "/v1/miners/" + j[3] + "/logs?stream=stdout&miner_id=" + j[2], j[1], data, headers);
        Api.Res res = new Api.Res(r.status(), new String(r.body(), StandardCharsets.UTF_8), r.headers());
        return res.expect(200).json();
    }

    private static Api.Res appendRes(String[] j, byte[] data, long offset) {
        Api.Bytes r = Api.bytes(
                "POST",
                "/v1/miners/" + j[3] + "/logs?stream=stdout&miner_id=" + j[2],
                j[1],
                data,
                Map.of("Content-Type", "text/plain", "X-Log-Offset", Long.toString(offset)));
        return new Api.Res(r.status(), new String(r.body(), StandardCharsets.UTF_8), r.headers());
    }

    private static void complete(String[] j) {
        Api.post("/v1/miners/" + j[3] + "/result?miner_id=" + j[2], j[1], "{\"result\":{\"output\":\"ok\"}}")
                .expect(200);
    }

    private static Api.Bytes read(String[] j, long offset) {
        Api.Bytes r =
                Api.bytes("GET", "/v1/jobs/" + j[3] + "/logs?stream=stdout&offset=" + offset, j[0], null, Map.of());
        assertEquals(200, r.status(), new String(r.body(), StandardCharsets.UTF_8));
        return r;
    }

    private static String header(Api.Bytes r, String name) {
        return r.headers().firstValue(name).orElse("");
    }

    /** The bytes of the test's logs: byte {@code o} depends on its offset, so that any range can be checked. */
    private static byte[] pattern(long from, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            long o = from + i;
            b[i] = (byte) ((o % 97 == 96) ? '\n' : 'a' + (o / 97) % 26);
        }
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    /** The zip package's files, by name. */
    private static Map<String, byte[]> zip(String[] j) throws Exception {
        Api.Bytes zip = Api.bytes("GET", "/v1/jobs/" + j[3] + "/download", j[0], null, Map.of());
        assertEquals(200, zip.status());
        Map<String, byte[]> files = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                files.put(e.getName(), in.readAllBytes());
            }
        }
        return files;
    }

    /** The package holds exactly {@code expected} as logs/stdout.log, and its manifest line the same digest. */
    private static void assertPackaged(String[] j, byte[] expected) throws Exception {
        Map<String, byte[]> files = zip(j);
        String root = j[3] + "/";
        assertArrayEquals(expected, files.get(root + "logs/stdout.log"), "the package's logs/stdout.log");
        String manifest = new String(files.get(root + "output.sha256"), StandardCharsets.UTF_8);
        assertTrue(manifest.contains(sha256(expected) + "  logs/stdout.log\n"), manifest);
    }

    private static double chunkRows() {
        String text = Api.get("/metrics?scope=application", null).expect(200).body();
        Matcher m = Pattern.compile("(?m)^aitbc_logs_database_chunks\\{[^}]*\\} ([0-9.E+-]+|NaN)$")
                .matcher(text);
        assertTrue(m.find(), "the gauge of log rows is there on a database-home server");
        return Double.parseDouble(m.group(1));
    }

    /** The gauge once it fits {@code done}, or its last value after 20 s (it counts at most every 5 s). */
    private static double awaitRows(java.util.function.DoublePredicate done) throws InterruptedException {
        long until = System.currentTimeMillis() + 20_000;
        double rows = chunkRows();
        while (!done.test(rows) && System.currentTimeMillis() < until) {
            Thread.sleep(1000);
            rows = chunkRows();
        }
        return rows;
    }

    /** Follows stdout over HTTP from 0 until the answer ends (the job ended). */
    private static CompletableFuture<byte[]> follow(String[] j) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                HttpRequest req = HttpRequest.newBuilder(
                                URI.create(Api.BASE + "/v1/jobs/" + j[3] + "/logs?stream=stdout&follow=true&offset=0"))
                        .header("X-Api-Key", j[0])
                        .timeout(Duration.ofSeconds(120))
                        .build();
                HttpResponse<InputStream> r = Api.HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, r.statusCode());
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                try (InputStream in = r.body()) {
                    in.transferTo(got);
                }
                return got.toByteArray();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    @Order(1)
    void appendsReadsAndAFollowerGoThroughTheDatabaseAndThePackageHoldsTheBytes() throws Exception {
        String[] j = runningJob(Api.client());
        CompletableFuture<byte[]> follower = follow(j);
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try (AutoCloseable beats = Api.keepAlive(j[1], List.of(j[2]))) {
            byte[] first = pattern(0, 10);
            JsonObject a = append(j, first, 0L);
            all.write(first);
            assertEquals(0, a.getJsonNumber("offset").longValue());
            assertEquals(10, a.getJsonNumber("next_offset").longValue());
            // A retry is acknowledged, not doubled; other bytes at a stored offset, or a gap, are refused.
            JsonObject again = append(j, first, 0L);
            assertTrue(again.getBoolean("duplicate"), again.toString());
            assertEquals(0, again.getJsonNumber("written").longValue());
            appendRes(j, "0123456789".getBytes(StandardCharsets.UTF_8), 0).expectError(409, "LOG_OFFSET_CONFLICT");
            Api.Res past = appendRes(j, first, 11).expectError(409, "LOG_OFFSET_CONFLICT");
            assertTrue(past.body().contains("ends at 10"), past.body());
            // A retry cut short: the part stored is acknowledged and only the rest written.
            JsonObject overlap = append(j, pattern(5, 20), 5L);
            assertEquals(15, overlap.getJsonNumber("written").longValue(), overlap.toString());
            all.write(pattern(10, 15));
            // Appends that the follower, which started before them, must get, some larger than a chunk row (64 KiB).
            long offset = 25;
            for (int i = 0; i < 20; i++) {
                int n = i % 5 == 4 ? 150_000 : 1 + i * 37;
                byte[] data = pattern(offset, n);
                JsonObject r = append(j, data, offset);
                assertEquals(offset + n, r.getJsonNumber("end").longValue());
                all.write(data);
                offset += n;
                Thread.sleep(30);
            }
            assertFalse(Files.exists(localFolder(j[3])), "no log byte on the server's disk");

            byte[] expected = all.toByteArray();
            Api.Bytes whole = read(j, 0);
            assertArrayEquals(expected, whole.body());
            assertEquals("0", header(whole, "X-Log-Start-Offset"));
            assertEquals(Long.toString(expected.length), header(whole, "X-Log-Next-Offset"));
            assertEquals("false", header(whole, "X-Log-Complete"));
            // From inside a chunk row, across rows.
            long from = 70_000;
            assertArrayEquals(
                    Arrays.copyOfRange(expected, (int) from, expected.length),
                    read(j, from).body());
            assertEquals(0, read(j, expected.length).body().length);
            complete(j);
        }
        byte[] expected = all.toByteArray();
        assertArrayEquals(expected, follower.get(60, TimeUnit.SECONDS), "the follower got every byte, in order");
        assertEquals("true", header(read(j, 0), "X-Log-Complete"));
        assertPackaged(j, expected);
        assertFalse(Files.exists(localFolder(j[3])), "nothing of the job on the server's disk");
        assertTrue(awaitRows(r -> r > 0) > 0, "the job's log rows are counted while it keeps them");

        Api.delete("/v1/jobs/" + j[3] + "/results", j[0]).expect(200);
        Api.get("/v1/jobs/" + j[3] + "/logs", j[0]).expectError(410, "LOGS_GONE");
    }

    @Test
    @Order(2)
    void pastTheLimitTheTailIsKeptWithOffsetsCountingOn() throws Exception {
        String[] j = runningJob(Api.client());
        int n = 128 * 1024;
        int appends = 40; // 5 MiB through a 2 MiB limit
        JsonObject last = null;
        try (AutoCloseable beats = Api.keepAlive(j[1], List.of(j[2]))) {
            for (int i = 0; i < appends; i++) {
                last = append(j, pattern((long) i * n, n), (long) i * n);
                if ((long) (i + 1) * n <= MAX) {
                    assertFalse(last.getBoolean("truncated"), "within the limit yet: " + last);
                }
            }
            long end = (long) appends * n;
            assertEquals(end, last.getJsonNumber("end").longValue(), "offsets count every byte appended");
            assertTrue(last.getBoolean("truncated"), last.toString());
            long keptFrom = last.getJsonNumber("kept_from").longValue();
            assertTrue(keptFrom >= end - MAX, "at most the limit is kept: " + last);
            assertTrue(end - keptFrom > MAX - 64 * 1024, "most of the limit is kept: " + last);

            // A read from 0 starts at the first byte kept, and says where.
            Api.Bytes r = read(j, 0);
            assertEquals(Long.toString(keptFrom), header(r, "X-Log-Start-Offset"));
            assertEquals(Long.toString(end), header(r, "X-Log-Next-Offset"));
            byte[] tail = pattern(keptFrom, (int) (end - keptFrom));
            assertArrayEquals(tail, r.body(), "the kept bytes are the tail, from kept_from");
            // Appending goes on at the end; an offset below what is kept counts as the same bytes.
            JsonObject more = append(j, pattern(end, 10), end);
            assertEquals(end + 10, more.getJsonNumber("end").longValue());
            assertTrue(append(j, pattern(0, 5), 0L).getBoolean("duplicate"));
            complete(j);
            byte[] kept = pattern(more.getJsonNumber("kept_from").longValue(), (int)
                    (end + 10 - more.getJsonNumber("kept_from").longValue()));
            assertPackaged(j, kept);
        }
        assertFalse(Files.exists(localFolder(j[3])), "nothing of the job on the server's disk");
        Api.delete("/v1/jobs/" + j[3] + "/results", j[0]).expect(200);
    }

    @Test
    @Order(3)
    void theRetentionPurgeTakesTheLogsAlongAndNoRowIsLeft() throws Exception {
        // This server keeps free-plan results 6 s (src/test/liberty/server-s3.env).
        String client = Api.account("client", "free");
        String[] j = runningJob(client);
        append(j, pattern(0, 100_000), 0L);
        complete(j);
        assertArrayEquals(pattern(0, 100_000), read(j, 0).body());
        long until = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < until
                && Api.job(client, j[3]).getJsonObject("result").getBoolean("available")) {
            Thread.sleep(1000); // the free plan's rate limit is 30 a minute here
        }
        assertFalse(Api.job(client, j[3]).getJsonObject("result").getBoolean("available"), "purged");
        Api.get("/v1/jobs/" + j[3] + "/logs", client).expectError(410, "LOGS_GONE");

        // Every job of this class had its results deleted or purged: no log row is left.
        assertEquals(0.0, awaitRows(r -> r == 0), "no chunk row is left after delete and retention");
    }
}
