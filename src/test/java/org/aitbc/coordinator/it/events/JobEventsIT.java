package org.aitbc.coordinator.it.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.WsClient;
import org.junit.jupiter.api.Test;

/**
 * The WebSocket feed {@code /v1/jobs/ws} through a real client against the real server: what
 * events say and in which order, replay after a reconnect, authentication, isolation between
 * clients, bad messages, pings and metrics.
 */
public class JobEventsIT {
    static final Set<String> EVENT_FIELDS = Set.of(
            "event_id", "job_id", "type", "status", "progress", "miner_id", "message", "estimated_completion", "at");
    private static final Duration QUIET = Duration.ofMillis(700);

    /** A miner of its own in a region of its own, acting on jobs through the REST API. */
    record Miner(String key, String id) {
        static Miner in(String region) {
            Miner m = new Miner(Api.miner(), "ws-" + region);
            Api.register(m.key, m.id, region, 100);
            return m;
        }

        String claim() {
            String job = Api.poll(key, id, 5);
            assertNotNull(job, "the miner claims a job");
            return job;
        }

        void post(String jobId, String action, String body) {
            Api.post("/v1/miners/" + jobId + "/" + action + "?miner_id=" + id, key, body)
                    .expect(200);
        }

        void progress(String jobId, int percent, String message) {
            post(jobId, "progress", "{\"progress\":" + percent + ",\"message\":\"" + message + "\"}");
        }
    }

    static List<JsonObject> restEvents(String clientKey, String jobId, long after) {
        return Api.get("/v1/jobs/" + jobId + "/events?after=" + after, clientKey).expect(200).array("events").stream()
                .map(JsonValue::asJsonObject)
                .toList();
    }

    static long id(JsonObject event) {
        return event.getJsonNumber("event_id").longValue();
    }

    @Test
    void aWholeLifecycleArrivesInOrderWithEveryField() {
        String client = Api.client();
        String region = Api.uniqueRegion();
        Miner miner = Miner.in(region);
        try (WsClient ws = WsClient.withHeader(client)) {
            JsonObject hello = ws.expect("authenticated");
            assertEquals("client", hello.getString("role"));
            assertEquals("all_jobs", hello.getString("following"));

            String job = Api.submit(client, region);
            assertEquals(job, miner.claim());
            miner.post(job, "start", null);
            String eta = "2031-05-06T07:08:09Z";
            miner.post(
                    job,
                    "progress",
                    "{\"progress\":50,\"message\":\"halfway\",\"estimated_completion\":\"" + eta + "\"}");
            miner.post(job, "result", "{\"result\":{\"text\":\"done\"},\"metrics\":{}}");

            List<JsonObject> events = ws.events(5);
            for (JsonObject e : events) {
                assertEquals(EVENT_FIELDS, e.keySet(), "exactly the documented fields: " + e);
                assertEquals(job, e.getString("job_id"));
                assertTrue(e.getString("at").endsWith("Z"));
            }
            assertEquals(
                    List.of(
                            "status:pending:0",
                            "status:assigned:0",
                            "status:running:0",
                            "progress:running:50",
                            "status:completed:100"),
                    events.stream()
                            .map(e -> e.getString("type") + ":" + e.getString("status") + ":" + e.getInt("progress"))
                            .toList());
            assertTrue(events.get(0).isNull("miner_id"), "nobody holds a pending job");
            for (JsonObject e : events.subList(1, 5)) {
                assertEquals(miner.id(), e.getString("miner_id"));
            }
            assertEquals("halfway", events.get(3).getString("message"));
            assertEquals(eta, events.get(3).getString("estimated_completion").replace(".000Z", "Z"));
            for (int i = 1; i < events.size(); i++) {
                assertTrue(id(events.get(i)) > id(events.get(i - 1)), "event ids increase");
            }
            // The same events, to the byte, as GET /v1/jobs/{id}/events (which keeps working).
            assertEquals(restEvents(client, job, 0), events);
            assertEquals(List.of(), ws.drain(QUIET), "nothing else");
        }
    }

    @Test
    void reconnectingWithTheLastEventIdReplaysExactlyWhatWasMissedThenGoesLive() {
        String client = Api.client();
        String region = Api.uniqueRegion();
        Miner miner = Miner.in(region);
        String job = Api.submit(client, region);
        // Another client's job after it, already handed out by the feed: the replay below reads up
        // to the feed's position past this job's last event, and must still name that event.
        String other = Api.client();
        try (WsClient ws = WsClient.authenticated(other)) {
            String otherJob = Api.submit(other, Api.uniqueRegion());
            assertEquals(otherJob, ws.events(1).get(0).getString("job_id"));
        }
        long last;
        try (WsClient ws = WsClient.authenticated(client)) {
            ws.subscribe(job, null); // a single job replays its history by default
            assertEquals(
                    0, ws.expect("subscribed").getJsonNumber("after_event_id").longValue());
            JsonObject pending = ws.next();
            assertEquals("pending", pending.getString("status"));
            assertEquals(
                    id(pending),
                    ws.expect("caught_up").getJsonNumber("last_event_id").longValue());
            last = id(pending);
        }
        // While nobody listens.
        assertEquals(job, miner.claim());
        miner.post(job, "start", null);
        miner.progress(job, 30, "a third");
        List<JsonObject> missed = restEvents(client, job, last);
        assertEquals(3, missed.size());

        try (WsClient ws = WsClient.authenticated(client)) {
            ws.subscribe(job, last);
            JsonObject ack = ws.expect("subscribed");
            assertEquals(job, ack.getString("job_id"));
            assertEquals(last, ack.getJsonNumber("after_event_id").longValue());
            assertEquals(missed, ws.events(3), "exactly the missed events, in order");
            ws.expect("caught_up");
            miner.progress(job, 60, "more");
            miner.post(job, "result", "{\"result\":{},\"metrics\":{}}");
            List<JsonObject> live = ws.events(2);
            assertEquals(
                    List.of("progress", "status"),
                    live.stream().map(e -> e.getString("type")).toList());
            assertEquals(restEvents(client, job, id(missed.get(2))), live, "no gap and no duplicate after the replay");
            assertEquals(List.of(), ws.drain(QUIET));
        }

        // Resuming all of the client's jobs from an event id works the same way.
        try (WsClient ws = WsClient.authenticated(client)) {
            ws.subscribe(null, last);
            assertTrue(ws.expect("subscribed").isNull("job_id"));
            List<JsonObject> all = ws.until("caught_up");
            assertEquals(restEvents(client, job, last), all);
        }
    }

    @Test
    void eachClientSeesOnlyItsOwnJobsAndAnotherClientsJobIsNotFound() {
        String alice = Api.client();
        String bob = Api.client();
        String region = Api.uniqueRegion();
        try (WsClient a = WsClient.authenticated(alice);
                WsClient b = WsClient.authenticated(bob);
                WsClient admin = WsClient.authenticated(Api.ADMIN_KEY)) {
            String aliceJob = Api.submit(alice, region);
            String bobJob = Api.submit(bob, region);
            assertEquals(aliceJob, a.next().getString("job_id"));
            assertEquals(bobJob, b.next().getString("job_id"));
            assertEquals(List.of(), a.drain(QUIET), "alice gets nothing of bob's");
            assertEquals(List.of(), b.drain(Duration.ofMillis(100)));
            // An admin key follows everyone's jobs.
            List<JsonObject> seen = admin.until(m -> bobJob.equals(m.getString("job_id", "")), Duration.ofSeconds(10));
            assertTrue(
                    seen.stream().anyMatch(m -> aliceJob.equals(m.getString("job_id", ""))), "admin saw alice's job");

            b.subscribe(aliceJob, 0L);
            JsonObject error = b.expect("error").getJsonObject("error");
            b.subscribe("job_doesnotexist0000000000", 0L);
            JsonObject missing = b.expect("error").getJsonObject("error");
            assertEquals(404, error.getInt("status"));
            assertEquals("JOB_NOT_FOUND", error.getString("code"));
            assertEquals(missing.getString("code"), error.getString("code"));
            assertEquals(
                    missing.getString("message").replace("job_doesnotexist0000000000", aliceJob),
                    error.getString("message"),
                    "answered exactly like a job that does not exist");
            b.send("{\"action\":\"ping\"}");
            b.expect("pong");
            assertFalse(b.isClosed(), "the connection stays usable");
        }
    }

    @Test
    void badMessagesAreAnsweredClearlyAndTheConnectionStaysOpen() {
        String client = Api.client();
        try (WsClient ws = WsClient.authenticated(client)) {
            Map<String, String> cases = Map.of(
                    "{not json", "MALFORMED_JSON",
                    "[1,2,3]", "MALFORMED_JSON",
                    "{\"action\":\"dance\"}", "UNKNOWN_ACTION",
                    "{\"job_id\":\"x\"}", "VALIDATION_FAILED",
                    "{\"action\":\"subscribe\",\"after_event_id\":\"soon\"}", "VALIDATION_FAILED",
                    "{\"action\":\"unsubscribe\",\"job_id\":\"job_never_followed_000000\"}", "NOT_SUBSCRIBED",
                    "{\"action\":\"auth\",\"api_key\":\"again\"}", "ALREADY_AUTHENTICATED");
            for (Map.Entry<String, String> c : cases.entrySet()) {
                ws.send(c.getKey());
                JsonObject error = ws.expect("error").getJsonObject("error");
                assertEquals(c.getValue(), error.getString("code"), c.getKey());
                assertTrue(error.getInt("status") >= 400 && error.getInt("status") < 500);
                assertFalse(error.getString("message").isBlank());
                assertFalse(error.toString().contains("Exception"), "no internals: " + error);
            }
            ws.send("{\"action\":\"subscribe\",\"after_event_id\":-5}");
            JsonObject fields = ws.expect("error").getJsonObject("error");
            assertEquals(
                    "after_event_id",
                    fields.getJsonArray("fields").getJsonObject(0).getString("field"));
            ws.send("{\"action\":\"unknown\"}");
            assertTrue(
                    ws.expect("error")
                            .getJsonObject("error")
                            .getString("message")
                            .contains("subscribe"),
                    "the answer names the valid actions");

            // Still usable: subscribe to all jobs and receive the next one.
            ws.subscribe(null, null);
            ws.expect("subscribed");
            ws.expect("caught_up");
            String job = Api.submit(client, Api.uniqueRegion());
            assertEquals(job, ws.next().getString("job_id"));
        }
    }

    @Test
    void withoutAKeyTheClientIsToldHowToAuthenticateAndClosedWithPolicyViolation() {
        // Nothing sent: after the auth window, one message and a close 1008.
        try (WsClient ws = WsClient.anonymous()) {
            JsonObject error = ws.expect("error").getJsonObject("error");
            assertEquals(401, error.getInt("status"));
            assertEquals("UNAUTHENTICATED", error.getString("code"));
            String how = error.getString("message");
            assertTrue(
                    how.contains("X-Api-Key") && how.contains("api_key") && how.contains("\"action\":\"auth\""), how);
            assertEquals(1008, ws.closeCode(Duration.ofSeconds(10)));
            assertEquals(List.of(), ws.drain(Duration.ofMillis(200)), "one message only");
        }
        // A subscribe before authenticating.
        try (WsClient ws = WsClient.anonymous()) {
            ws.subscribe(null, 0L);
            assertEquals(
                    "UNAUTHENTICATED", ws.expect("error").getJsonObject("error").getString("code"));
            assertEquals(1008, ws.closeCode(Duration.ofSeconds(10)));
        }
        // A wrong key, in the header or the query.
        for (WsClient ws : List.of(WsClient.withHeader("aitbc_not_a_key"), WsClient.withQuery("aitbc_not_a_key"))) {
            try (ws) {
                JsonObject error = ws.expect("error").getJsonObject("error");
                assertEquals("UNAUTHENTICATED", error.getString("code"));
                assertEquals(1008, ws.closeCode(Duration.ofSeconds(10)));
            }
        }
        // A miner key cannot follow jobs.
        try (WsClient ws = WsClient.withHeader(Api.miner())) {
            assertEquals("FORBIDDEN", ws.expect("error").getJsonObject("error").getString("code"));
            assertEquals(1008, ws.closeCode(Duration.ofSeconds(10)));
        }
    }

    @Test
    void theKeyMayComeInTheQueryOrAFirstAuthMessage() {
        String client = Api.client();
        try (WsClient ws = WsClient.withQuery(client)) {
            ws.expect("authenticated");
            String job = Api.submit(client, Api.uniqueRegion());
            assertEquals(job, ws.next().getString("job_id"));
        }
        try (WsClient ws = WsClient.anonymous()) {
            ws.send("{\"action\":\"auth\",\"api_key\":\"" + client + "\"}");
            JsonObject hello = ws.expect("authenticated");
            assertTrue(hello.getString("account_id").startsWith("client_"));
            String job = Api.submit(client, Api.uniqueRegion());
            assertEquals(job, ws.next().getString("job_id"));
        }
        try (WsClient ws = WsClient.anonymous()) {
            ws.send("{\"action\":\"auth\",\"api_key\":\"aitbc_wrong\"}");
            assertEquals(
                    "UNAUTHENTICATED", ws.expect("error").getJsonObject("error").getString("code"));
            assertEquals(1008, ws.closeCode(Duration.ofSeconds(10)));
        }
    }

    @Test
    void theRestApplicationAtTheRootDoesNotSwallowTheUpgrade() {
        String client = Api.client();
        // A plain GET of the same path is the REST API's (a job named "ws" does not exist)...
        Api.get("/v1/jobs/ws", client).expectError(404, "JOB_NOT_FOUND");
        // ...while the upgrade reaches the WebSocket endpoint.
        try (WsClient ws = WsClient.withHeader(client)) {
            assertEquals("authenticated", ws.next().getString("type"));
        }
    }

    @Test
    void unsubscribingStopsEventsAndSingleJobSubscriptionsFollowOnlyThoseJobs() {
        String client = Api.client();
        String region = Api.uniqueRegion();
        String followed = Api.submit(client, region);
        try (WsClient ws = WsClient.authenticated(client)) {
            ws.subscribe(followed, null);
            ws.expect("subscribed");
            assertEquals("pending", ws.next().getString("status"));
            ws.expect("caught_up");
            // Following a single job ends the implicit "all jobs": another job is not sent, this one is.
            Api.submit(client, Api.uniqueRegion());
            assertEquals(followed, Miner.in(region).claim());
            JsonObject assigned = ws.next();
            assertEquals(followed, assigned.getString("job_id"));
            assertEquals("assigned", assigned.getString("status"));
            assertEquals(List.of(), ws.drain(QUIET));

            // All jobs replaces single ones; then a single job is refused until unsubscribed.
            ws.subscribe(null, null);
            ws.expect("subscribed");
            ws.expect("caught_up");
            ws.subscribe(followed, null);
            assertEquals(
                    "ALREADY_SUBSCRIBED",
                    ws.expect("error").getJsonObject("error").getString("code"));
            ws.send("{\"action\":\"unsubscribe\"}");
            assertTrue(ws.expect("unsubscribed").isNull("job_id"));
            Api.submit(client, Api.uniqueRegion());
            assertEquals(List.of(), ws.drain(QUIET), "nothing after unsubscribing");
            ws.send("{\"action\":\"ping\"}");
            ws.expect("pong");
        }
    }

    @Test
    void pingsKeepAnIdleConnectionOpenPastTheIdleTimeout() {
        String client = Api.client();
        try (WsClient ws = WsClient.authenticated(client)) {
            // The test server pings every second and closes connections idle for 3 s.
            Api.sleep(5_000);
            assertFalse(ws.isClosed(), "still open after 5 s of silence");
            assertTrue(ws.pings() >= 2, "pinged: " + ws.pings());
            String job = Api.submit(client, Api.uniqueRegion());
            assertEquals(job, ws.next().getString("job_id"));
        }
    }

    @Test
    void metricsCountSessionsDeliveriesAndLag() {
        String client = Api.client();
        try (WsClient ws = WsClient.authenticated(client)) {
            Api.submit(client, Api.uniqueRegion());
            ws.next();
            String metrics =
                    Api.get("/metrics?scope=application", null).expect(200).body();
            assertTrue(metricValue(metrics, "aitbc_ws_sessions") >= 1, metrics);
            assertTrue(metricValue(metrics, "aitbc_ws_events_delivered_total") >= 1);
            assertTrue(metrics.contains("aitbc_ws_delivery_lag_seconds_count"), "lag histogram");
            assertTrue(metrics.contains("aitbc_ws_resyncs_total"));
        }
    }

    static double metricValue(String text, String name) {
        for (String line : text.split("\n")) {
            if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name);
    }
}
