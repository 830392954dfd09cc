package org.aitbc.coordinator.it.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.ClusterScript;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Live logs across the cluster's two servers, which share no folder (results on s3proxy, so live
 * logs in the database): a miner appends through server A, a client follows and reads through
 * server B and gets every byte in order, and the package B serves after the end holds A's bytes.
 * The chunk rows are read from PostgreSQL directly (the test reaches the cluster's database, and
 * no route counts a job's log rows): BYTEA on PostgreSQL, and none left after the delete. Short,
 * last in the cluster run: it needs only both servers ready, which {@link ClusterScript} waits for.
 */
@ExtendWith(ClusterScript.class)
@Order(5)
public class ClusterLogsIT {
    private static ClusterScript cluster;
    private static String a;
    private static String b;

    @BeforeAll
    static void up() {
        cluster = ClusterScript.current();
        a = cluster.url(0);
        b = cluster.url(1);
    }

    private static Api.Res call(String base, String method, String path, String key, String body) {
        Api.Res r = ClusterScript.tryCall(base, method, path, key, body, Map.of(), Duration.ofSeconds(30));
        assertNotNull(r, method + " " + base + path + " answered");
        return r;
    }

    private static String admin(String body) {
        return call(cluster.lb(), "POST", "/v1/admin/accounts", cluster.adminKey(), body)
                .expect(201)
                .str("api_key");
    }

    private static Api.Bytes bytes(String base, String method, String path, String key, byte[] body, long offset) {
        Map<String, String> headers = new HashMap<>();
        if (body != null) {
            headers.put("Content-Type", "text/plain");
            headers.put("X-Log-Offset", Long.toString(offset));
        }
        return Api.bytes(method, base + path, key, body, headers);
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }

    /** What the follower had read, and when: {total bytes, nanoTime}. */
    private static final ConcurrentLinkedQueue<long[]> READS = new ConcurrentLinkedQueue<>();

    @Test
    void aLogAppendedThroughOneServerIsFollowedReadAndPackagedThroughTheOther() throws Exception {
        String client = admin("{\"role\":\"client\",\"plan\":\"pro\",\"name\":\"logs-client\"}");
        String miner = admin("{\"role\":\"miner\",\"name\":\"logs-miner\"}");
        String region = "logs-" + UUID.randomUUID().toString().substring(0, 8);
        String minerId = region + "-m";
        call(
                        a,
                        "POST",
                        "/v1/miners/register?miner_id=" + minerId,
                        miner,
                        "{\"capabilities\":{\"gpus\":[{\"name\":\"NVIDIA A100\",\"memory_mb\":81920}],\"models\":[]},"
                                + "\"concurrency\":1,\"region\":\"" + region + "\"}")
                .expect(200);
        String job = call(
                        a,
                        "POST",
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"input\":\"hi\",\"requirements\":{\"region\":\"" + region + "\"}}")
                .expect(201)
                .str("job_id");
        assertEquals(
                job,
                call(a, "POST", "/v1/miners/poll?miner_id=" + minerId, miner, "{\"max_wait_seconds\":5}")
                        .expect(200)
                        .str("job_id"));
        call(a, "POST", "/v1/miners/" + job + "/start?miner_id=" + minerId, miner, "{}")
                .expect(200);

        // The follower, through B, from before the first append until the job ends.
        CompletableFuture<byte[]> follower = CompletableFuture.supplyAsync(() -> {
            try {
                HttpRequest req = HttpRequest.newBuilder(
                                URI.create(b + "/v1/jobs/" + job + "/logs?stream=stdout&follow=true&offset=0"))
                        .header("X-Api-Key", client)
                        .timeout(Duration.ofSeconds(60))
                        .build();
                HttpResponse<InputStream> r = Api.HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
                assertEquals(200, r.statusCode());
                ByteArrayOutputStream got = new ByteArrayOutputStream();
                byte[] buf = new byte[16 * 1024];
                try (InputStream in = r.body()) {
                    int n;
                    while ((n = in.read(buf)) > 0) {
                        got.write(buf, 0, n);
                        READS.add(new long[] {got.size(), System.nanoTime()});
                    }
                }
                return got.toByteArray();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });

        ByteArrayOutputStream all = new ByteArrayOutputStream();
        List<long[]> appended = new ArrayList<>(); // {end, nanoTime of the answer}
        ScheduledExecutorService beats = Executors.newSingleThreadScheduledExecutor();
        beats.scheduleWithFixedDelay(
                () -> ClusterScript.tryCall(
                        a,
                        "POST",
                        "/v1/miners/heartbeat?miner_id=" + minerId,
                        miner,
                        "{\"inflight\":1}",
                        Map.of(),
                        Duration.ofSeconds(5)),
                0,
                1,
                TimeUnit.SECONDS);
        try {
            long offset = 0;
            for (int i = 0; i < 15; i++) {
                StringBuilder s = new StringBuilder();
                int lines = i == 7 ? 4000 : 1 + i % 4; // one append larger than a chunk row (64 KiB)
                for (int k = 0; k < lines; k++) {
                    s.append("append ").append(i).append(" line ").append(k).append(" through A\n");
                }
                byte[] data = s.toString().getBytes(StandardCharsets.UTF_8);
                Api.Bytes r = bytes(
                        a,
                        "POST",
                        "/v1/miners/" + job + "/logs?stream=stdout&miner_id=" + minerId,
                        miner,
                        data,
                        offset);
                assertEquals(200, r.status(), new String(r.body(), StandardCharsets.UTF_8));
                offset += data.length;
                appended.add(new long[] {offset, System.nanoTime()});
                all.write(data);
                Thread.sleep(100);
            }
            call(
                            a,
                            "POST",
                            "/v1/miners/" + job + "/result?miner_id=" + minerId,
                            miner,
                            "{\"result\":{\"output\":\"ok\"}}")
                    .expect(200);
        } finally {
            beats.shutdownNow();
        }
        byte[] expected = all.toByteArray();
        assertArrayEquals(
                expected, follower.get(60, TimeUnit.SECONDS), "B's follower got A's bytes, each once, in order");

        // How long after A answered each append B's follower had its bytes.
        List<Long> lags = new ArrayList<>();
        for (long[] ap : appended) {
            for (long[] rd : READS) {
                if (rd[0] >= ap[0]) {
                    lags.add(TimeUnit.NANOSECONDS.toMillis(Math.max(0, rd[1] - ap[1])));
                    break;
                }
            }
        }
        lags.sort(null);
        System.out.println("[cluster-logs] " + expected.length + " bytes in " + appended.size()
                + " appends through A followed through B; lag after A's answer: median " + lags.get(lags.size() / 2)
                + " ms, max " + lags.get(lags.size() - 1) + " ms");

        Api.Bytes read = bytes(b, "GET", "/v1/jobs/" + job + "/logs?stream=stdout", client, null, 0);
        assertEquals(200, read.status());
        assertArrayEquals(expected, read.body());
        assertEquals("true", read.headers().firstValue("X-Log-Complete").orElse(""));

        Api.Bytes zip = bytes(b, "GET", "/v1/jobs/" + job + "/download", client, null, 0);
        assertEquals(200, zip.status());
        Map<String, byte[]> files = new HashMap<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip.body()))) {
            ZipEntry e;
            while ((e = in.getNextEntry()) != null) {
                files.put(e.getName(), in.readAllBytes());
            }
        }
        assertArrayEquals(expected, files.get(job + "/logs/stdout.log"), "the package B serves holds A's bytes");
        String manifest = new String(files.get(job + "/output.sha256"), StandardCharsets.UTF_8);
        assertTrue(manifest.contains(sha256(expected) + "  logs/stdout.log\n"), manifest);
        for (int i = 0; i < cluster.size(); i++) {
            assertFalse(
                    Files.exists(cluster.dir()
                            .resolve("local")
                            .resolve(cluster.server(i))
                            .resolve("results")
                            .resolve(job)),
                    "no log byte in " + cluster.server(i) + "'s own folder");
        }

        try (Connection c = cluster.db()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT data_type FROM information_schema.columns"
                            + " WHERE table_name = 'job_log_chunk' AND column_name = 'chunk_bytes'");
                    ResultSet rs = ps.executeQuery()) {
                assertTrue(rs.next(), "JOB_LOG_CHUNK.CHUNK_BYTES exists");
                assertEquals("bytea", rs.getString(1));
            }
            assertTrue(rows(c, job) > 0, "the job's log is rows of the shared database");
            call(b, "DELETE", "/v1/jobs/" + job + "/results", client, null).expect(200);
            assertEquals(0, rows(c, job), "deleting the results through B deleted the log rows");
        }
        call(a, "GET", "/v1/jobs/" + job + "/logs", client, null).expectError(410, "LOGS_GONE");
    }

    private static int rows(Connection c, String job) throws Exception {
        try (PreparedStatement ps = c.prepareStatement("SELECT (SELECT COUNT(*) FROM job_log_chunk WHERE job_id = ?)"
                + " + (SELECT COUNT(*) FROM job_log_head WHERE job_id = ?)")) {
            ps.setString(1, job);
            ps.setString(2, job);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }
}
