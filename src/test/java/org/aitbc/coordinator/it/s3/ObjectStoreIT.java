package org.aitbc.coordinator.it.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.aitbc.coordinator.it.operations.RestartIT;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The result store on a real S3 protocol server (s3proxy, started by the build on loopback; the
 * second test server has {@code aitbc.results.store=s3}, 5 MiB parts): what a client and a miner
 * see is the file store's behaviour, and what the bucket holds is checked directly. The restart
 * runs last.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class ObjectStoreIT {
    private static final String PREFIX = "results/";
    private static final String BUCKET = "aitbc-it";
    private static final int PART = 5 * 1024 * 1024;
    /** Larger than two parts: a multipart upload of three parts, the last one short. */
    private static final byte[] MODEL = new byte[2 * PART + 123_457];

    private static final byte[] STDOUT = "step 1\nstep 2\ndone\n".getBytes(StandardCharsets.UTF_8);
    private static final S3Client S3 = S3Client.builder()
            .endpointOverride(URI.create(System.getProperty("it.s3.endpoint", "http://127.0.0.1:9299")))
            .region(Region.US_EAST_1)
            .forcePathStyle(true)
            // The server's client settings (S3ResultStore.client): JDK HTTP client, checksums where required.
            .httpClientBuilder(UrlConnectionHttpClient.builder())
            .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
            .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
            .credentialsProvider(StaticCredentialsProvider.create(
                    AwsBasicCredentials.create("it-access-key", "it-secret-key-0123456789")))
            .build();

    /** A job whose results the restart test reads again. */
    private static String kept;

    private static String keptClient;

    static {
        new Random(7).nextBytes(MODEL);
    }

    @AfterAll
    static void close() {
        S3.close();
    }

    /** The bucket's keys under the job (or input file) id, without the prefix, with their sizes. */
    static Map<String, Long> objects(String owner) {
        Map<String, Long> out = new TreeMap<>();
        for (S3Object o : S3.listObjectsV2Paginator(r -> r.bucket(BUCKET).prefix(PREFIX + owner + "/"))
                .contents()) {
            out.put(o.key().substring((PREFIX + owner + "/").length()), o.size());
        }
        return out;
    }

    static byte[] object(String owner, String path) {
        return S3.getObjectAsBytes(r -> r.bucket(BUCKET).key(PREFIX + owner + "/" + path))
                .asByteArray();
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

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

    /**
     * The first uploads of a fresh server find no bucket, and each asks for it at once. Before the
     * fix one of them created it and the others failed their result (the store took the answer
     * "already yours" for a failure). Runs first, on the bucket no test has used yet.
     */
    @Test
    @Order(0)
    void concurrentFirstUploadsOfAFreshServerAllSucceed() throws Exception {
        int n = 8;
        assertFalse(
                S3.listBuckets().buckets().stream().anyMatch(b -> b.name().equals(BUCKET)),
                "the bucket must not exist before this test, or it proves nothing");
        String client = Api.client();
        String minerKey = Api.miner();
        List<String> jobs = new ArrayList<>();
        List<String> miners = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String region = Api.uniqueRegion();
            String miner = region + "-m";
            Api.register(minerKey, miner, region, 5);
            String job = Api.submit(client, region);
            assertEquals(job, Api.poll(minerKey, miner, 2));
            Api.post("/v1/miners/" + job + "/start?miner_id=" + miner, minerKey, null)
                    .expect(200);
            jobs.add(job);
            miners.add(miner);
        }
        CyclicBarrier start = new CyclicBarrier(n);
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String job = jobs.get(i);
                String miner = miners.get(i);
                answers.add(pool.submit(() -> {
                    start.await(30, TimeUnit.SECONDS);
                    return Api.upload(minerKey, miner, job, "logs/stdout.log", STDOUT)
                            .status();
                }));
            }
            for (Future<Integer> a : answers) {
                assertEquals(200, a.get(120, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        for (int i = 0; i < n; i++) {
            Api.post("/v1/miners/" + jobs.get(i) + "/result?miner_id=" + miners.get(i), minerKey, "{\"result\":{}}")
                    .expect(200);
            assertArrayEquals(STDOUT, object(jobs.get(i), "logs/stdout.log"));
        }
    }

    @Test
    @Order(1)
    void resultsLiveInTheBucketAndDownloadWholeRangedZippedAndVerified() throws Exception {
        String client = Api.client();
        String job = completedJob(client, Api.miner(), Api.uniqueRegion());

        Map<String, Long> stored = objects(job);
        assertEquals(
                List.of("artifacts/model.bin", "logs/stdout.log", "output.json", "result.txt"),
                List.copyOf(stored.keySet()),
                "every file is an object, and no staged upload is left: " + stored);
        assertEquals((long) MODEL.length, stored.get("artifacts/model.bin"));
        assertArrayEquals(MODEL, object(job, "artifacts/model.bin"), "the multipart upload holds the exact bytes");
        assertArrayEquals(STDOUT, object(job, "logs/stdout.log"), "the second upload replaced the first");
        assertFalse(
                Files.exists(Paths.get(System.getProperty("it.server.dir"), "data", "results", job)),
                "nothing of the job is on the server's disk");

        Api.Bytes whole =
                Api.bytes("GET", "/v1/jobs/" + job + "/download?file=artifacts/model.bin", client, null, Map.of());
        assertEquals(200, whole.status());
        assertArrayEquals(MODEL, whole.body());
        assertEquals(
                sha256(MODEL), whole.headers().firstValue("ETag").orElse("").replace("\"", ""));

        // A range across the boundary of the first two parts, and a suffix range.
        long from = PART - 1000;
        Api.Bytes part = Api.bytes(
                "GET",
                "/v1/jobs/" + job + "/download?file=artifacts/model.bin",
                client,
                null,
                Map.of("Range", "bytes=" + from + "-" + (from + 1999)));
        assertEquals(206, part.status());
        assertEquals(
                "bytes " + from + "-" + (from + 1999) + "/" + MODEL.length,
                part.headers().firstValue("Content-Range").orElse(""));
        assertArrayEquals(Arrays.copyOfRange(MODEL, (int) from, (int) from + 2000), part.body());
        Api.Bytes tail = Api.bytes(
                "GET",
                "/v1/jobs/" + job + "/download?file=artifacts/model.bin",
                client,
                null,
                Map.of("Range", "bytes=-100"));
        assertEquals(206, tail.status());
        assertArrayEquals(Arrays.copyOfRange(MODEL, MODEL.length - 100, MODEL.length), tail.body());
        assertEquals(
                416,
                Api.bytes(
                                "GET",
                                "/v1/jobs/" + job + "/download?file=artifacts/model.bin",
                                client,
                                null,
                                Map.of("Range", "bytes=" + MODEL.length + "-"))
                        .status());

        // The zip package: every file, and output.sha256 agreeing with the bytes.
        Api.Bytes zip = Api.bytes("GET", "/v1/jobs/" + job + "/download", client, null, Map.of());
        assertEquals(200, zip.status());
        Map<String, byte[]> files = unzip(zip.body());
        String root = job + "/";
        assertArrayEquals(MODEL, files.get(root + "artifacts/model.bin"));
        String manifest = new String(files.get(root + "output.sha256"), StandardCharsets.UTF_8);
        int lines = 0;
        for (String line : manifest.split("\n")) {
            String[] f = line.split(" {2}", 2);
            assertEquals(f[0], sha256(files.get(root + f[1])), line);
            lines++;
        }
        assertEquals(4, lines, manifest);
        Api.Bytes zipPart =
                Api.bytes("GET", "/v1/jobs/" + job + "/download", client, null, Map.of("Range", "bytes=100-9999"));
        assertEquals(206, zipPart.status());
        assertArrayEquals(Arrays.copyOfRange(zip.body(), 100, 10_000), zipPart.body());

        JsonObject ok = Api.post("/v1/jobs/" + job + "/verify", client, null)
                .expect(200)
                .json();
        assertTrue(ok.getBoolean("verified"), ok.toString());
        assertEquals(4, ok.getJsonArray("files").size());

        // One byte changed in the bucket behind the server's back: verify names that file.
        byte[] changed = MODEL.clone();
        changed[PART + 17] ^= 0x01;
        S3.putObject(r -> r.bucket(BUCKET).key(PREFIX + job + "/artifacts/model.bin"), RequestBody.fromBytes(changed));
        JsonObject bad = Api.post("/v1/jobs/" + job + "/verify", client, null)
                .expect(200)
                .json();
        assertFalse(bad.getBoolean("verified"));
        bad.getJsonArray("files").forEach(v -> {
            JsonObject f = v.asJsonObject();
            assertEquals(!f.getString("path").equals("artifacts/model.bin"), f.getBoolean("ok"), f.toString());
        });

        JsonObject deleted =
                Api.delete("/v1/jobs/" + job + "/results", client).expect(200).json();
        assertFalse(deleted.getJsonObject("result").getBoolean("available"));
        assertEquals(Map.of(), objects(job), "deleting the results deletes the objects");
        Api.get("/v1/jobs/" + job + "/download", client).expectError(410, "RESULT_GONE");
    }

    @Test
    @Order(2)
    void aPathCannotBeBothAFileAndAFolderOfTheBucket() {
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        String client = Api.client();
        Api.register(minerKey, miner, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, miner, 2));
        Api.upload(minerKey, miner, job, "a/b.txt", STDOUT).expect(200);
        Api.upload(minerKey, miner, job, "a", STDOUT).expectError(409, "PATH_CONFLICT");
        Api.upload(minerKey, miner, job, "a/b.txt/c", STDOUT).expectError(409, "PATH_CONFLICT");
        assertEquals(Map.of("a/b.txt", (long) STDOUT.length), objects(job), "a refused upload leaves nothing");
    }

    @Test
    @Order(3)
    void freePlanRetentionRemovesTheObjects() throws Exception {
        // This server keeps free-plan results 6 s and purges every 2 s (src/pom.xml, start-s3-it-server).
        String client = Api.account("client", "free");
        String job = completedJob(client, Api.miner(), Api.uniqueRegion());
        assertFalse(objects(job).isEmpty());
        long until = System.currentTimeMillis() + 90_000;
        while (System.currentTimeMillis() < until && !objects(job).isEmpty()) {
            Thread.sleep(1000);
        }
        assertEquals(Map.of(), objects(job), "the retention purge deleted the objects");
        assertFalse(Api.job(client, job).getJsonObject("result").getBoolean("available"));
        Api.get("/v1/jobs/" + job + "/download", client).expectError(410, "RESULT_GONE");
    }

    @Test
    @Order(4)
    void inputFilesLiveInTheBucketAndReachTheMinerWholeAndRanged() throws Exception {
        String client = Api.client();
        byte[] input = new byte[PART + 4321];
        new Random(11).nextBytes(input);
        HttpResponse<String> res = Api.HTTP.send(
                HttpRequest.newBuilder(URI.create(Api.BASE + "/v1/files"))
                        .timeout(Duration.ofMinutes(2))
                        .header("X-Api-Key", client)
                        .header("Content-Type", "application/octet-stream")
                        .POST(HttpRequest.BodyPublishers.ofByteArray(input))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, res.statusCode(), res.body());
        JsonObject file = new Api.Res(res.statusCode(), res.body(), res.headers()).json();
        String fileId = file.getString("file_id");
        assertEquals(sha256(input), file.getString("sha256"));
        assertEquals(Map.of("input.bin", (long) input.length), objects(fileId));
        assertArrayEquals(input, object(fileId, "input.bin"));

        String region = Api.uniqueRegion();
        String miner = Api.miner();
        String minerId = "reader-" + region;
        Api.register(miner, minerId, region, 1);
        String job = Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"input\":{\"file_id\":\"" + fileId + "\"},\"requirements\":{\"region\":\""
                                + region + "\"}}")
                .expect(201)
                .str("job_id");
        assertEquals(job, Api.poll(miner, minerId, 5));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + minerId, miner, null)
                .expect(200);
        Api.Bytes all = Api.bytes("GET", "/v1/miners/" + job + "/input?miner_id=" + minerId, miner, null, Map.of());
        assertEquals(200, all.status());
        assertArrayEquals(input, all.body());
        Api.Bytes part = Api.bytes(
                "GET",
                "/v1/miners/" + job + "/input?miner_id=" + minerId,
                miner,
                null,
                Map.of("Range", "bytes=" + (PART - 10) + "-" + (PART + 9)));
        assertEquals(206, part.status());
        assertArrayEquals(Arrays.copyOfRange(input, PART - 10, PART + 10), part.body());

        // The job ends and its results go: the input, used by no other job, goes with them.
        Api.post("/v1/miners/" + job + "/result?miner_id=" + minerId, miner, "{\"result\":{\"output\":\"ok\"}}")
                .expect(200);
        Api.delete("/v1/jobs/" + job + "/results", client).expect(200);
        long until = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < until && !objects(fileId).isEmpty()) {
            Thread.sleep(1000);
        }
        assertEquals(Map.of(), objects(fileId), "the released input's object is deleted");
    }

    @Test
    @Order(5)
    void resultsKeptForTheRestart() {
        keptClient = Api.client();
        kept = completedJob(keptClient, Api.miner(), Api.uniqueRegion());
        assertEquals(4, objects(kept).size());
    }

    @Test
    @Order(6)
    void aRestartLosesNoObject() throws Exception {
        RestartIT.restart();
        Api.Bytes whole =
                Api.bytes("GET", "/v1/jobs/" + kept + "/download?file=artifacts/model.bin", keptClient, null, Map.of());
        assertEquals(200, whole.status());
        assertArrayEquals(MODEL, whole.body());
        JsonObject ok = Api.post("/v1/jobs/" + kept + "/verify", keptClient, null)
                .expect(200)
                .json();
        assertTrue(ok.getBoolean("verified"), ok.toString());
    }
}
