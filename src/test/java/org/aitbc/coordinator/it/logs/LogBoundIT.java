package org.aitbc.coordinator.it.logs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Locks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/**
 * The per-job bound of a live log ({@code aitbc.logs.max.bytes}, 64 MiB by default, which the
 * test server keeps): past it the oldest bytes go, the tail is kept, offsets keep counting, and
 * the append's answer says so.
 */
// Beside the waiting classes, not beside another heavy one: a 64 MiB live log.
@ResourceLock(Locks.CPU_HEAVY)
class LogBoundIT {
    private static final long MAX = 64L * 1024 * 1024;
    private static final int CHUNK = 1024 * 1024;

    @Test
    void pastTheBoundTheTailIsKeptAndTheAnswerSaysSo() throws Exception {
        String client = Api.client();
        String miner = Api.miner();
        String region = Api.uniqueRegion();
        String minerId = "bound-" + region;
        Api.register(miner, minerId, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(miner, minerId, 5));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + minerId, miner, "{}")
                .expect(200);
        JsonObject last = null;
        int chunks = (int) (MAX / CHUNK) + 3;
        try (AutoCloseable beats = Api.keepAlive(miner, List.of(minerId))) {
            for (int i = 0; i < chunks; i++) {
                byte[] data = new byte[CHUNK];
                Arrays.fill(data, (byte) ('a' + i % 26));
                data[CHUNK - 1] = '\n';
                Api.Bytes r = Api.bytes(
                        "POST",
                        "/v1/miners/" + job + "/logs?stream=stdout&miner_id=" + minerId,
                        miner,
                        data,
                        Map.of("Content-Type", "text/plain", "X-Log-Offset", Long.toString((long) i * CHUNK)));
                assertEquals(200, r.status(), new String(r.body(), StandardCharsets.UTF_8));
                last = new Api.Res(r.status(), new String(r.body(), StandardCharsets.UTF_8), r.headers()).json();
                if ((long) (i + 1) * CHUNK <= MAX) {
                    assertFalse(last.getBoolean("truncated"), "not over the bound yet: " + last);
                }
            }
        }
        long end = (long) chunks * CHUNK;
        assertEquals(end, last.getJsonNumber("end").longValue(), "offsets count every byte appended");
        assertTrue(last.getBoolean("truncated"), last.toString());
        long keptFrom = last.getJsonNumber("kept_from").longValue();
        assertTrue(keptFrom >= end - MAX && keptFrom > 0 && keptFrom < end, last.toString());
        assertTrue(
                last.getString("message").contains("tail")
                        && last.getString("message").contains("" + keptFrom),
                last.toString());

        // A read from 0 starts at the first byte kept, and says where.
        HttpRequest req = HttpRequest.newBuilder(URI.create(Api.BASE + "/v1/jobs/" + job + "/logs?offset=0"))
                .header("X-Api-Key", client)
                .build();
        HttpResponse<InputStream> r = Api.HTTP.send(req, HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, r.statusCode());
        assertEquals(
                Long.toString(keptFrom),
                r.headers().firstValue("X-Log-Start-Offset").orElse(""));
        assertEquals(
                Long.toString(end), r.headers().firstValue("X-Log-Next-Offset").orElse(""));
        try (InputStream in = r.body()) {
            byte[] first = in.readNBytes(16);
            byte expected = (byte) ('a' + (int) (keptFrom / CHUNK) % 26);
            byte[] want = new byte[16];
            Arrays.fill(want, expected);
            assertArrayEquals(want, first, "the kept bytes are the tail, from kept_from");
        }
        // The last bytes are the last append's.
        Api.Bytes tail = Api.bytes("GET", "/v1/jobs/" + job + "/logs?offset=" + (end - 4), client, null, Map.of());
        byte c = (byte) ('a' + (chunks - 1) % 26);
        assertArrayEquals(new byte[] {c, c, c, '\n'}, tail.body());
    }
}
