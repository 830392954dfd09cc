package org.aitbc.coordinator.it.marketplace;

import static org.aitbc.coordinator.it.support.Api.get;
import static org.aitbc.coordinator.it.support.Api.post;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * Large inputs (issue 13, item 8): uploaded through {@code POST /v1/files} as a stream, named by a
 * job, handed byte for byte to the miner holding the job; other clients' and missing files refused
 * like missing jobs; files no job uses purged. The 200 MiB body is generated while it is sent and
 * digested while it is read back: the test never holds it in memory.
 */
public class InputFilesIT {
    private static final long BIG = 200L * 1024 * 1024;

    /** A deterministic stream of {@code size} pseudo-random bytes; byte i depends only on i. */
    static final class Generated extends InputStream {
        private final long size;
        private long pos;

        Generated(long size) {
            this.size = size;
        }

        static int at(long i) {
            long x = i * 0x9E3779B97F4A7C15L;
            x ^= x >>> 29;
            return (int) (x & 0xff);
        }

        @Override
        public int read() {
            return pos < size ? at(pos++) : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= size) {
                return -1;
            }
            int n = (int) Math.min(len, size - pos);
            for (int i = 0; i < n; i++) {
                b[off + i] = (byte) at(pos++);
            }
            return n;
        }
    }

    static String sha256(InputStream in) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
            d.update(buf, 0, n);
        }
        return HexFormat.of().formatHex(d.digest());
    }

    static JsonObject upload(String client, long size) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(Api.BASE + "/v1/files"))
                .timeout(Duration.ofMinutes(10))
                .header("X-Api-Key", client)
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.fromPublisher(
                        HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(size)), size))
                .build();
        HttpResponse<String> res = Api.HTTP.send(r, HttpResponse.BodyHandlers.ofString());
        assertEquals(201, res.statusCode(), res.body());
        return new Api.Res(res.statusCode(), res.body(), res.headers()).json();
    }

    static String submitWithFile(String client, String region, String fileId) {
        return post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"input\":{\"file_id\":\"" + fileId + "\"},\"requirements\":{\"region\":\""
                                + region + "\"}}")
                .expect(201)
                .str("job_id");
    }

    @Test
    void a200MiBInputReachesTheMinerByteForByte() throws Exception {
        String client = Api.client();
        JsonObject file = upload(client, BIG);
        String expected = sha256(new Generated(BIG));
        assertEquals(BIG, file.getJsonNumber("size_bytes").longValue());
        assertEquals(expected, file.getString("sha256"));
        assertNotNull(file.getString("expires_at"));
        String fileId = file.getString("file_id");

        String region = Api.uniqueRegion();
        String miner = Api.miner();
        String minerId = "reader-" + region;
        Api.register(miner, minerId, region, 1);
        String job = submitWithFile(client, region, fileId);
        // Used by a job, the file no longer expires on its own.
        assertTrue(get("/v1/files/" + fileId, client).expect(200).json().isNull("expires_at"));

        // Without the lease: refused.
        get("/v1/miners/" + job + "/input?miner_id=" + minerId, miner).expectError(409, "LEASE_LOST");
        JsonObject claimed = post("/v1/miners/poll?miner_id=" + minerId, miner, "{\"max_wait_seconds\":5}")
                .expect(200)
                .json();
        assertEquals(job, claimed.getString("job_id"));
        assertEquals(
                fileId,
                claimed.getJsonObject("payload").getJsonObject("input").getString("file_id"),
                "the miner learns the job's input is a file");

        HttpResponse<InputStream> read = Api.HTTP.send(
                HttpRequest.newBuilder(URI.create(Api.BASE + "/v1/miners/" + job + "/input?miner_id=" + minerId))
                        .timeout(Duration.ofMinutes(10))
                        .header("X-Api-Key", miner)
                        .build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, read.statusCode());
        assertEquals(
                String.valueOf(BIG), read.headers().firstValue("Content-Length").orElse(""));
        try (InputStream in = read.body()) {
            assertEquals(expected, sha256(in), "the miner reads exactly the uploaded bytes");
        }

        Api.Bytes part = Api.bytes(
                "GET",
                "/v1/miners/" + job + "/input?miner_id=" + minerId,
                miner,
                null,
                Map.of("Range", "bytes=1000000-1000099"));
        assertEquals(206, part.status());
        byte[] want = new byte[100];
        for (int i = 0; i < 100; i++) {
            want[i] = (byte) Generated.at(1_000_000 + i);
        }
        assertArrayEquals(want, part.body());

        // Another miner (another account) does not hold the job.
        String other = Api.miner();
        get("/v1/miners/" + job + "/input?miner_id=other-" + region, other).expectError(409, "LEASE_LOST");
    }

    @Test
    void foreignAndMissingFilesAreRefusedLikeMissingJobs() throws Exception {
        String owner = Api.client();
        String stranger = Api.client();
        String fileId = upload(owner, 1000).getString("file_id");
        String region = Api.uniqueRegion();
        for (String body : new String[] {
            "{\"model\":\"gpt2\",\"input\":{\"file_id\":\"" + fileId + "\"}}",
            "{\"payload\":{\"type\":\"inference\",\"model\":\"gpt2\",\"input_file_id\":\"" + fileId + "\"}}"
        }) {
            post("/v1/jobs", stranger, body).expectError(404, "FILE_NOT_FOUND");
        }
        post("/v1/jobs", owner, "{\"model\":\"gpt2\",\"input\":{\"file_id\":\"file_doesnotexist000000000\"}}")
                .expectError(404, "FILE_NOT_FOUND");
        get("/v1/files/" + fileId, stranger).expectError(404, "FILE_NOT_FOUND");
        assertEquals(0, get("/v1/jobs", stranger).expect(200).json().getInt("total"), "nothing was created");
        // The owner may use it, in the older form too.
        String job = post(
                        "/v1/jobs",
                        owner,
                        "{\"payload\":{\"type\":\"inference\",\"model\":\"gpt2\",\"input_file_id\":\"" + fileId
                                + "\"},\"constraints\":{\"region\":\"" + region + "\"}}")
                .expect(201)
                .str("job_id");
        assertNotNull(job);
        // A job without an input file has nothing to read.
        String miner = Api.miner();
        Api.register(miner, "plain-" + region, region, 2);
        String plain = Api.submit(owner, region);
        String first = Api.poll(miner, "plain-" + region, 5);
        String second = Api.poll(miner, "plain-" + region, 5);
        String noInput = plain.equals(first) ? first : second;
        assertEquals(plain, noInput);
        get("/v1/miners/" + plain + "/input?miner_id=plain-" + region, miner).expectError(404, "FILE_NOT_FOUND");
    }

    @Test
    void unusedFilesArePurgedAndUsedOnesKept() throws Exception {
        String client = Api.client();
        String unused = upload(client, 4096).getString("file_id");
        String used = upload(client, 4096).getString("file_id");
        submitWithFile(client, Api.uniqueRegion(), used);
        // The test server keeps unused files about 11 s and purges every 2 s.
        long until = System.currentTimeMillis() + 60_000;
        int status = 200;
        while (System.currentTimeMillis() < until && status == 200) {
            Api.sleep(1000);
            status = get("/v1/files/" + unused, client).status();
        }
        get("/v1/files/" + unused, client).expectError(404, "FILE_NOT_FOUND");
        post("/v1/jobs", client, "{\"model\":\"gpt2\",\"input\":{\"file_id\":\"" + unused + "\"}}")
                .expectError(404, "FILE_NOT_FOUND");
        Api.sleep(3000);
        assertEquals(used, get("/v1/files/" + used, client).expect(200).str("file_id"), "a used file stays");
    }

    @Test
    void overTheLimitIs413AndAClientKeyIsNeeded() throws Exception {
        String client = Api.client();
        // A declared length past aitbc.files.max.bytes (10 GiB) is refused before the body is read.
        URI base = URI.create(Api.BASE);
        try (java.net.Socket socket = new java.net.Socket(base.getHost(), base.getPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream()
                    .write(("POST /v1/files HTTP/1.1\r\nHost: " + base.getHost() + "\r\nX-Api-Key: " + client
                                    + "\r\nContent-Type: application/octet-stream\r\nContent-Length: 21474836480"
                                    + "\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(new byte[1024]);
            socket.getOutputStream().flush();
            String answer = new String(socket.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertEquals("HTTP/1.1 413", answer);
        }
        // Only client keys upload inputs.
        assertEquals(
                403,
                Api.bytes("POST", "/v1/files", Api.miner(), new byte[] {1}, Map.of())
                        .status());
        byte[] small = "hello".getBytes(StandardCharsets.UTF_8);
        Api.Bytes ok = Api.bytes("POST", "/v1/files", client, small, Map.of());
        assertEquals(201, ok.status());
        assertTrue(new String(ok.body(), StandardCharsets.UTF_8)
                .contains(sha256(new java.io.ByteArrayInputStream(small))));
    }
}
