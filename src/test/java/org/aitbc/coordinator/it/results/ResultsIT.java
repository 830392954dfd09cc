package org.aitbc.coordinator.it.results;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/** Result packages through the real server: uploads, zips, checksums, verify, delete, shares, retention. */
@Order(Schedule.LONG_WAITS)
public class ResultsIT {
    private static final byte[] MODEL = new byte[300_000];
    private static final byte[] STDOUT = "step 1\nstep 2\ndone\n".getBytes(StandardCharsets.UTF_8);
    private static final byte[] STDERR = "warning: none\n".getBytes(StandardCharsets.UTF_8);

    static {
        new Random(42).nextBytes(MODEL);
    }

    /** A job run to completion with three uploaded files and an output text; returns its id. */
    static String completedJob(String client, String minerKey, String region) {
        String miner = region + "-m";
        Api.register(minerKey, miner, region, 5);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, miner, 2));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + miner, minerKey, null)
                .expect(200);
        JsonObject up = Api.upload(minerKey, miner, job, "artifacts/model.bin", MODEL)
                .expect(200)
                .json();
        assertEquals(MODEL.length, up.getJsonNumber("size_bytes").longValue());
        Api.upload(minerKey, miner, job, "logs/stdout.log", "partial".getBytes(StandardCharsets.UTF_8))
                .expect(200);
        // A second upload of the same path replaces the first.
        Api.upload(minerKey, miner, job, "logs/stdout.log", STDOUT).expect(200);
        Api.upload(minerKey, miner, job, "logs/stderr.log", STDERR).expect(200);
        Api.post(
                        "/v1/miners/" + job + "/result?miner_id=" + miner,
                        minerKey,
                        "{\"result\":{\"output\":\"Hello, world\"},\"metrics\":{\"tokens\":3}}")
                .expect(200);
        return job;
    }

    static Map<String, byte[]> unzip(byte[] zip) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                files.put(e.getName(), in.readAllBytes());
            }
        }
        return files;
    }

    @Test
    void packageDownloadsAsTheGuideShowsAndPassesSha256sum() throws Exception {
        String client = Api.client();
        String job = completedJob(client, Api.miner(), Api.uniqueRegion());
        JsonObject view = Api.job(client, job);
        JsonObject result = view.getJsonObject("result");
        assertTrue(result.getBoolean("available"));
        assertEquals(64, result.getString("sha256").length());
        assertTrue(
                Instant.parse(result.getString("expires_at"))
                        .isAfter(Instant.now().plus(Duration.ofDays(29))),
                "a pro plan keeps results 30 days");

        Api.Bytes zip = Api.bytes("GET", "/v1/jobs/" + job + "/download", client, null, Map.of());
        assertEquals(200, zip.status());
        assertEquals("application/zip", zip.headers().firstValue("Content-Type").orElse(""));
        assertEquals(
                String.valueOf(zip.body().length),
                zip.headers().firstValue("Content-Length").orElse(""),
                "the announced length is exact");
        Map<String, byte[]> files = unzip(zip.body());
        assertEquals(
                java.util.Set.of(
                        job + "/output.json",
                        job + "/result.txt",
                        job + "/logs/stdout.log",
                        job + "/logs/stderr.log",
                        job + "/artifacts/model.bin",
                        job + "/output.sha256",
                        // The signed receipt (issue 19), beside the checksums; ReceiptsIT checks it.
                        job + "/receipt.json"),
                files.keySet());
        assertArrayEquals(MODEL, files.get(job + "/artifacts/model.bin"));
        assertArrayEquals(STDOUT, files.get(job + "/logs/stdout.log"));
        assertArrayEquals(STDERR, files.get(job + "/logs/stderr.log"));
        assertEquals("Hello, world", new String(files.get(job + "/result.txt"), StandardCharsets.UTF_8));
        JsonObject output;
        try (JsonReader r = Json.createReader(
                new StringReader(new String(files.get(job + "/output.json"), StandardCharsets.UTF_8)))) {
            output = r.readObject();
        }
        assertEquals(job, output.getString("job_id"));
        assertEquals("completed", output.getString("status"));
        assertEquals(3, output.getJsonObject("metrics").getInt("tokens"));

        // Unpacked on disk, the real sha256sum accepts the package's own checksums.
        Path dir = Files.createTempDirectory("aitbc-results-it");
        for (Map.Entry<String, byte[]> f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, f.getValue());
        }
        byte[] separate = Api.bytes("GET", "/v1/jobs/" + job + "/download?checksum=true", client, null, Map.of())
                .body();
        assertArrayEquals(files.get(job + "/output.sha256"), separate);
        assertArrayEquals(
                separate,
                Api.bytes("GET", "/v1/jobs/" + job + "/checksum", client, null, Map.of())
                        .body());
        Process check = new ProcessBuilder("sha256sum", "-c", "output.sha256")
                .directory(dir.resolve(job).toFile())
                .redirectErrorStream(true)
                .start();
        String said = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(check.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, check.exitValue(), said);
        assertTrue(said.contains("artifacts/model.bin: OK"), said);

        // The same package is the same bytes: a stable ETag, 304 on revalidation.
        String etag = zip.headers().firstValue("ETag").orElseThrow();
        assertArrayEquals(
                zip.body(),
                Api.bytes("GET", "/v1/jobs/" + job + "/download", client, null, Map.of())
                        .body());
        assertEquals(
                304,
                Api.bytes("GET", "/v1/jobs/" + job + "/download", client, null, Map.of("If-None-Match", etag))
                        .status());

        // Ranges.
        Api.Bytes part =
                Api.bytes("GET", "/v1/jobs/" + job + "/download", client, null, Map.of("Range", "bytes=100-4195"));
        assertEquals(206, part.status());
        assertEquals(
                "bytes 100-4195/" + zip.body().length,
                part.headers().firstValue("Content-Range").orElse(""));
        assertArrayEquals(Arrays.copyOfRange(zip.body(), 100, 4196), part.body());
        Api.Bytes tail = Api.bytes("GET", "/v1/jobs/" + job + "/download", client, null, Map.of("Range", "bytes=-500"));
        assertArrayEquals(Arrays.copyOfRange(zip.body(), zip.body().length - 500, zip.body().length), tail.body());
        Api.Bytes fromMiddle = Api.bytes(
                "GET",
                "/v1/jobs/" + job + "/download",
                client,
                null,
                Map.of("Range", "bytes=" + (zip.body().length - 10) + "-"));
        assertArrayEquals(Arrays.copyOfRange(zip.body(), zip.body().length - 10, zip.body().length), fromMiddle.body());
        assertEquals(
                416,
                Api.bytes(
                                "GET",
                                "/v1/jobs/" + job + "/download",
                                client,
                                null,
                                Map.of("Range", "bytes=" + zip.body().length + "-"))
                        .status());

        // One file, with its content type, and a range of it.
        Api.Bytes model =
                Api.bytes("GET", "/v1/jobs/" + job + "/download?file=artifacts/model.bin", client, null, Map.of());
        assertArrayEquals(MODEL, model.body());
        assertEquals(
                "application/octet-stream",
                model.headers().firstValue("Content-Type").orElse(""));
        Api.Bytes text = Api.bytes("GET", "/v1/jobs/" + job + "/download?file=result.txt", client, null, Map.of());
        assertTrue(text.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
        Api.Bytes modelPart = Api.bytes(
                "GET",
                "/v1/jobs/" + job + "/download?file=artifacts/model.bin",
                client,
                null,
                Map.of("Range", "bytes=1000-1999"));
        assertArrayEquals(Arrays.copyOfRange(MODEL, 1000, 2000), modelPart.body());
        Api.get("/v1/jobs/" + job + "/download?file=logs/none.log", client).expectError(404, "FILE_NOT_FOUND");
        Api.get("/v1/jobs/" + job + "/download?file=../secret", client).expectError(400, "INVALID_PARAMETER");
    }

    @Test
    void verifyCatchesAByteChangedOnDiskAndDeleteKeepsTheJob() throws Exception {
        String client = Api.client();
        String job = completedJob(client, Api.miner(), Api.uniqueRegion());
        JsonObject ok = Api.post("/v1/jobs/" + job + "/verify", client, null)
                .expect(200)
                .json();
        assertTrue(ok.getBoolean("verified"));
        assertEquals(5, ok.getJsonArray("files").size());

        Path stored = Paths.get(System.getProperty("it.server.dir"), "data", "results", job, "artifacts", "model.bin");
        byte[] bytes = Files.readAllBytes(stored);
        bytes[12345] ^= 0x01;
        Files.write(stored, bytes);
        JsonObject bad = Api.post("/v1/jobs/" + job + "/verify", client, null)
                .expect(200)
                .json();
        assertFalse(bad.getBoolean("verified"));
        bad.getJsonArray("files").forEach(v -> {
            JsonObject f = v.asJsonObject();
            assertEquals(!f.getString("path").equals("artifacts/model.bin"), f.getBoolean("ok"), f.toString());
        });

        java.math.BigDecimal costBefore =
                Api.job(client, job).getJsonNumber("cost").bigDecimalValue();
        java.math.BigDecimal spentBefore = Api.get("/v1/jobs/stats", client)
                .json()
                .getJsonNumber("total_spent")
                .bigDecimalValue();
        JsonObject deleted =
                Api.delete("/v1/jobs/" + job + "/results", client).expect(200).json();
        // Storage is charged when the results go, for the GB-days they were kept (the test server's
        // price is 10^6 AITBC per GB-day, so ~300 kB for a few seconds shows).
        java.math.BigDecimal charge =
                deleted.getJsonNumber("cost").bigDecimalValue().subtract(costBefore);
        assertTrue(charge.signum() > 0, "storage charged: " + charge);
        assertEquals(
                0,
                spentBefore
                        .add(charge)
                        .compareTo(Api.get("/v1/jobs/stats", client)
                                .json()
                                .getJsonNumber("total_spent")
                                .bigDecimalValue()),
                "total_spent includes it");
        assertFalse(deleted.getJsonObject("result").getBoolean("available"));
        assertTrue(deleted.getJsonObject("result").containsKey("deleted_at"));
        assertFalse(Files.exists(stored));
        Api.Res gone = Api.get("/v1/jobs/" + job + "/download", client).expectError(410, "RESULT_GONE");
        assertTrue(gone.json().getJsonObject("error").getString("message").contains("deleted at"));
        Api.delete("/v1/jobs/" + job + "/results", client).expect(200);
        assertEquals("completed", Api.job(client, job).getString("status"), "the job and its history stay");
        assertEquals(
                4,
                Api.get("/v1/jobs/" + job + "/events", client).array("events").size());
    }

    @Test
    void shareLinksDownloadWithoutAKeyUntilRevokedOrExpired() throws Exception {
        String client = Api.client();
        String job = completedJob(client, Api.miner(), Api.uniqueRegion());
        byte[] zip = Api.bytes("GET", "/v1/jobs/" + job + "/download", client, null, Map.of())
                .body();

        JsonObject share =
                Api.post("/v1/jobs/" + job + "/share", client, "{}").expect(201).json();
        Instant expires = Instant.parse(share.getString("expires_at"));
        assertTrue(
                Math.abs(Duration.between(Instant.now().plus(Duration.ofDays(7)), expires)
                                .toSeconds())
                        < 60,
                "default 7d: " + expires);
        String url = share.getString("url");
        String token = url.substring(url.lastIndexOf('/') + 1);
        assertTrue(token.length() >= 32, "an unguessable token");
        Api.Bytes shared = Api.bytes("GET", url.replaceFirst("^https?://[^/]+", Api.BASE), null, null, Map.of());
        assertEquals(200, shared.status());
        assertArrayEquals(zip, shared.body());

        JsonObject hour = Api.post("/v1/jobs/" + job + "/share", client, "{\"expires\":\"12h\"}")
                .expect(201)
                .json();
        assertTrue(Math.abs(Duration.between(
                                Instant.now().plus(Duration.ofHours(12)), Instant.parse(hour.getString("expires_at")))
                        .toSeconds())
                < 60);
        Api.post("/v1/jobs/" + job + "/share", client, "{\"expires\":\"30m\"}").expect(201);
        for (String bad : new String[] {"2y", "0m", "91d", "7", "30s", "soon"}) {
            Api.post("/v1/jobs/" + job + "/share", client, "{\"expires\":\"" + bad + "\"}")
                    .expectError(422, "VALIDATION_FAILED");
        }
        assertEquals(
                3,
                Api.get("/v1/jobs/" + job + "/shares", client)
                        .expect(200)
                        .array("shares")
                        .size());

        Api.delete("/v1/jobs/" + job + "/shares/" + share.getString("share_id"), client)
                .expect(200);
        Api.Res revoked = Api.get(url.replaceFirst("^https?://[^/]+", ""), null).expectError(410, "SHARE_GONE");
        assertTrue(revoked.json().getJsonObject("error").getString("message").contains("revoked"));
        Api.get("/v1/shares/nosuchtoken0000000000000000000000", null).expectError(404, "SHARE_NOT_FOUND");
        Api.delete("/v1/jobs/" + job + "/shares/shr_missing", client).expectError(404, "SHARE_NOT_FOUND");
        // Another client cannot share or see this job's links.
        String other = Api.client();
        Api.post("/v1/jobs/" + job + "/share", other, "{}").expectError(404, "JOB_NOT_FOUND");
        Api.get("/v1/jobs/" + job + "/shares", other).expectError(404, "JOB_NOT_FOUND");
    }

    @Test
    void freePlanRetentionPurgesResultsAndCapsShares() throws Exception {
        // The test server keeps free-plan results 40 s and purges every 2 s (src/test/liberty/server.env).
        String client = Api.account("client", "free");
        String job = completedJob(client, Api.miner(), Api.uniqueRegion());
        JsonObject view = Api.job(client, job);
        Instant ended = Instant.parse(view.getString("completed_at"));
        Instant expires = Instant.parse(view.getJsonObject("result").getString("expires_at"));
        assertEquals(Duration.ofSeconds(40), Duration.between(ended, expires));
        JsonObject share = Api.post("/v1/jobs/" + job + "/share", client, "{\"expires\":\"7d\"}")
                .expect(201)
                .json();
        assertEquals(expires, Instant.parse(share.getString("expires_at")), "a share never outlives the result");

        Path stored = Paths.get(System.getProperty("it.server.dir"), "data", "results", job);
        assertTrue(Files.exists(stored));
        long until = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < until && Files.exists(stored.resolve("output.json"))) {
            Thread.sleep(1000);
        }
        assertFalse(Files.exists(stored.resolve("output.json")), "the retention timer deleted the files");
        JsonObject after = Api.job(client, job);
        assertFalse(after.getJsonObject("result").getBoolean("available"));
        assertEquals("completed", after.getString("status"), "the job stays for history");
        Api.Res gone = Api.get("/v1/jobs/" + job + "/download", client).expectError(410, "RESULT_GONE");
        assertTrue(gone.json().getJsonObject("error").getString("message").contains(job));
        String url = share.getString("url");
        assertEquals(410, Api.get(url.replaceFirst("^https?://[^/]+", ""), null).status());
    }

    @Test
    void canceledJobKeepsPartialResults() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, miner, 2));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + miner, minerKey, null)
                .expect(200);
        Api.get("/v1/jobs/" + job + "/download", client).expectError(409, "RESULT_NOT_READY");
        assertEquals(
                "canceling", Api.delete("/v1/jobs/" + job, client).expect(200).str("cancellation"));
        // While canceling, the miner may still upload what it has.
        Api.upload(minerKey, miner, job, "logs/stdout.log", STDOUT).expect(200);
        Api.post("/v1/miners/" + job + "/fail?miner_id=" + miner, minerKey, "{\"error_code\":\"CANCELED\"}")
                .expect(200);
        assertEquals("canceled", Api.job(client, job).getString("status"));
        Map<String, byte[]> files = unzip(Api.bytes("GET", "/v1/jobs/" + job + "/download", client, null, Map.of())
                .body());
        assertArrayEquals(STDOUT, files.get(job + "/logs/stdout.log"));
        assertTrue(new String(files.get(job + "/output.json"), StandardCharsets.UTF_8)
                .contains("\"status\":\"canceled\""));
        // After the end, the miner's writes are fenced off.
        Api.upload(minerKey, miner, job, "logs/late.log", STDOUT).expectError(409, "LEASE_LOST");
    }

    @Test
    void badUploadsAndDownloadsAreRefused() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, miner, 2));
        byte[] small = "x".getBytes(StandardCharsets.UTF_8);
        // An encoded dot segment is refused by Liberty's web container itself, before the
        // application sees the request (an HTML 400 page, not the API's error shape).
        assertEquals(
                400,
                Api.upload(minerKey, miner, job, "%2E%2E/escape.txt", small).status());
        Api.upload(minerKey, miner, job, "logs/..", small).expectError(400, "INVALID_PARAMETER");
        // So is an encoded backslash; the path check refuses one that arrives anyway (unit-tested).
        assertEquals(
                400, Api.upload(minerKey, miner, job, "logs%5Cwin.log", small).status());
        Api.upload(minerKey, miner, job, "logs//double.log", small).expectError(400, "INVALID_PARAMETER");
        Api.upload(minerKey, miner, job, "output.json", small).expectError(400, "INVALID_PARAMETER");
        Api.upload(minerKey, miner, job, "a/" + "b".repeat(300), small).expectError(400, "INVALID_PARAMETER");
        // The test server allows 5 MiB per file.
        Api.upload(minerKey, miner, job, "artifacts/huge.bin", new byte[6 * 1024 * 1024])
                .expectError(413, "PAYLOAD_TOO_LARGE");
        Api.upload(minerKey, region + "-stranger", job, "logs/x.log", small).expectError(409, "LEASE_LOST");
        Api.upload(minerKey, miner, "job_nosuchjob00000000000000", "logs/x.log", small)
                .expectError(404, "JOB_NOT_FOUND");
        assertEquals(
                403,
                Api.bytes("PUT", "/v1/miners/" + job + "/files/logs/x.log", client, small, Map.of())
                        .status());

        Api.get("/v1/jobs/" + job + "/download", client).expectError(409, "RESULT_NOT_READY");
        Api.post("/v1/jobs/" + job + "/verify", client, null).expectError(409, "RESULT_NOT_READY");
        Api.post("/v1/jobs/" + job + "/share", client, "{}").expectError(409, "RESULT_NOT_READY");
        Api.delete("/v1/jobs/" + job + "/results", client).expectError(409, "INVALID_STATE");
        String other = Api.client();
        Api.get("/v1/jobs/" + job + "/download", other).expectError(404, "JOB_NOT_FOUND");
        Api.post("/v1/jobs/" + job + "/verify", other, null).expectError(404, "JOB_NOT_FOUND");
        Api.delete("/v1/jobs/" + job + "/results", other).expectError(404, "JOB_NOT_FOUND");
        Api.get("/v1/jobs/" + job + "/download", minerKey).expectError(403, "FORBIDDEN");
        // Nothing bad was stored.
        assertEquals(
                0,
                Paths.get(System.getProperty("it.server.dir"), "data", "results", job)
                                        .toFile()
                                        .list()
                                == null
                        ? 0
                        : Arrays.stream(Paths.get(System.getProperty("it.server.dir"), "data", "results", job)
                                        .toFile()
                                        .list())
                                .filter(n -> !n.equals(".staging"))
                                .count());
        // The route table still resolves the job's own routes next to the result routes.
        Api.get("/v1/jobs/" + job, client).expect(200);
        Api.get("/v1/jobs/history", client).expect(200);
        Api.get("/v1/jobs/" + job + "/events", client).expect(200);
    }
}
