package org.aitbc.coordinator.it.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.stream.JsonParsingException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Isolated;

/**
 * The test server logs JSON (AITBC_LOG_FORMAT=json, access log on, in src/test/liberty/server.env):
 * after a job's whole life, every line of messages.log after the start-up banner is one JSON object, the job's lines are found
 * by their {@code job_id} field, the miner's carry {@code miner_id}, the access log names route
 * templates, and no key appears anywhere in the log.
 */
// Alone: every line of messages.log must parse as JSON, and a line another class's request is
// writing at the moment of the read is not whole yet.
@Isolated
@Order(Schedule.ISOLATED)
class JsonLogsIT {
    private static final Path LOG = Path.of(System.getProperty("it.server.dir"), "logs", "messages.log");

    private static String client;
    private static String clientAccount;
    private static String minerKey;
    private static String minerId;
    private static String jobId;
    private static String shareToken;

    @BeforeAll
    static void workload() {
        Api.awaitReady();
        JsonObject created = Api.post(
                        "/v1/admin/accounts",
                        Api.ADMIN_KEY,
                        "{\"role\":\"client\",\"plan\":\"pro\",\"name\":\"it-logs\"}")
                .expect(201)
                .json();
        client = created.getString("api_key");
        clientAccount = created.getString("id");
        minerKey = Api.miner();
        String region = Api.uniqueRegion();
        minerId = "logs-" + region;
        Api.register(minerKey, minerId, region, 1);
        jobId = Api.submit(client, region);
        Map<String, String> as = Map.of("X-Miner-ID", minerId);
        assertEquals(jobId, Api.poll(minerKey, minerId, 5));
        Api.call("POST", "/v1/miners/" + jobId + "/start", minerKey, null, as).expect(200);
        Api.call("POST", "/v1/miners/" + jobId + "/progress", minerKey, "{\"progress\":50}", as)
                .expect(200);
        Api.call("POST", "/v1/miners/" + jobId + "/result", minerKey, "{\"result\":{\"output\":\"x\"}}", as)
                .expect(200);
        Api.job(client, jobId);
        String url = Api.post("/v1/jobs/" + jobId + "/share", client, "{}")
                .expect(201)
                .str("url");
        shareToken = url.substring(url.lastIndexOf('/') + 1);
        assertEquals(
                200,
                Api.bytes("GET", "/v1/shares/" + shareToken, null, null, Map.of())
                        .status());
        Api.delete("/v1/jobs/" + jobId + "/results", client).expect(200);
    }

    @Test
    void everyLineIsJsonAndTheJobsLinesCarryItsIds() throws Exception {
        List<JsonObject> lines = awaitLines(l -> jobId.equals(l.getString("job_id", null))
                && l.getString("message", "").contains("sealed"));
        List<JsonObject> mine = lines.stream()
                .filter(l -> jobId.equals(l.getString("job_id", null)))
                .collect(Collectors.toList());
        List<String> messages =
                mine.stream().map(l -> l.getString("message", "")).collect(Collectors.toList());
        assertTrue(messages.stream().anyMatch(m -> m.contains(jobId + " submitted")), messages::toString);
        assertTrue(messages.stream().anyMatch(m -> m.contains("completed by miner")), messages::toString);
        assertTrue(messages.stream().anyMatch(m -> m.contains("result sealed")), messages::toString);
        assertTrue(
                mine.stream().anyMatch(l -> clientAccount.equals(l.getString("account_id", null))),
                "a line of the client's own requests carries its account id");
        JsonObject completed = mine.stream()
                .filter(l -> l.getString("message", "").contains("completed by miner"))
                .findFirst()
                .orElseThrow();
        assertEquals(minerId, completed.getString("miner_id", null), completed.toString());
        assertEquals("org.aitbc.coordinator.application.MinerService", completed.getString("module", null));
    }

    @Test
    void theAccessLogNamesRouteTemplatesNeverIdsOrTokens() throws Exception {
        List<JsonObject> lines = awaitLines(l -> "org.aitbc.coordinator.access".equals(l.getString("module", null))
                && "GET /v1/jobs/{id}".equals(l.getString("http_route", null))
                && jobId.equals(l.getString("job_id", null)));
        JsonObject get = lines.stream()
                .filter(l -> "GET /v1/jobs/{id}".equals(l.getString("http_route", null))
                        && jobId.equals(l.getString("job_id", null)))
                .findFirst()
                .orElseThrow();
        assertEquals("200", get.getString("http_status"));
        assertTrue(Double.parseDouble(get.getString("duration_ms")) >= 0);
        assertTrue(get.getString("message").startsWith("GET /v1/jobs/{id} 200 "), get.toString());
        List<String> routes = lines.stream()
                .filter(l -> "org.aitbc.coordinator.access".equals(l.getString("module", null)))
                .map(l -> l.getString("http_route", ""))
                .collect(Collectors.toList());
        assertTrue(routes.contains("POST /v1/miners/{job_id}/result"), routes.toString());
        assertFalse(routes.stream().anyMatch(r -> r.matches(".*job_[a-z0-9]{24}.*")), "no id in a route: " + routes);
        assertFalse(routes.stream().anyMatch(r -> r.contains(shareToken)), "no share token in a route: " + routes);
        assertTrue(routes.contains("GET /v1/shares/{token}"), routes.toString());
    }

    @Test
    void noKeyOrShareTokenIsLogged() throws Exception {
        awaitLines(l -> jobId.equals(l.getString("job_id", null))
                && l.getString("message", "").contains("shared as"));
        String text = Files.readString(LOG, StandardCharsets.UTF_8);
        for (String secret : List.of(client, minerKey, Api.ADMIN_KEY, shareToken)) {
            assertFalse(text.contains(secret), "a secret is in messages.log: " + secret.substring(0, 6) + "…");
        }
    }

    /** messages.log, parsed line by line (every line must be JSON), once a line matches. */
    private static List<JsonObject> awaitLines(java.util.function.Predicate<JsonObject> wanted)
            throws IOException, InterruptedException {
        long until = System.currentTimeMillis() + 15_000;
        while (true) {
            List<JsonObject> lines = new ArrayList<>();
            boolean configured = false;
            for (String line : Files.readAllLines(LOG, StandardCharsets.UTF_8)) {
                // Liberty writes its banner and first messages before it reads server.xml, whose
                // logging element switches the format: from the first JSON line on, all must be JSON.
                configured |= line.startsWith("{");
                if (line.isBlank() || !configured) {
                    continue;
                }
                try (var reader = Json.createReader(new StringReader(line))) {
                    lines.add(reader.readObject());
                } catch (JsonParsingException e) {
                    throw new AssertionError("a line of messages.log is not JSON: " + line, e);
                }
            }
            if (lines.stream().anyMatch(wanted) || System.currentTimeMillis() > until) {
                assertTrue(lines.stream().anyMatch(wanted), "no matching line in " + lines.size() + " lines");
                return lines;
            }
            Thread.sleep(200);
        }
    }
}
