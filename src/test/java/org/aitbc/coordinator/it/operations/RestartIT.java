package org.aitbc.coordinator.it.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import java.io.File;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * Stops and starts the real server in the middle of work: jobs, leases and events survive, and
 * the event numbering continues.
 */
public class RestartIT {
    @Test
    void aRestartLosesNoJobLeaseOrEvent() throws Exception {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, 5);
        String running = Api.submit(client, region);
        String assigned = Api.submit(client, region);
        assertEquals(running, Api.poll(minerKey, miner, 0));
        assertEquals(assigned, Api.poll(minerKey, miner, 0));
        Api.post(
                        "/v1/miners/" + running + "/progress?miner_id=" + miner,
                        minerKey,
                        "{\"progress\":30,\"message\":\"warm\"}")
                .expect(200);
        String pending = Api.submit(client, region);
        JsonObject beforeRunning = Api.job(client, running);
        JsonArray eventsBefore =
                Api.get("/v1/jobs/" + running + "/events", client).array("events");

        // The miner keeps heartbeating, as a real one would, while the server stops and starts:
        // a stop can take longer than a lease on a loaded machine.
        // It goes on heartbeating while the state is checked: the leases extended at start-up last
        // one lease (8 s here), and a loaded machine can take longer than that to answer.
        try (AutoCloseable beats = Api.keepAlive(minerKey, java.util.List.of(miner))) {
            restart();
            JsonObject afterRunning = Api.job(client, running);
            assertEquals(beforeRunning, afterRunning, "the running job is exactly as it was");
            assertEquals("assigned", Api.job(client, assigned).getString("status"));
            assertEquals("pending", Api.job(client, pending).getString("status"));
            assertEquals(
                    eventsBefore,
                    Api.get("/v1/jobs/" + running + "/events", client).array("events"));
        }
        // The leases survived (and were extended for the downtime): the miner carries on.
        assertEquals(
                false,
                Api.post("/v1/miners/" + running + "/progress?miner_id=" + miner, minerKey, "{\"progress\":60}")
                        .expect(200)
                        .json()
                        .getBoolean("cancel_requested"));
        Api.post("/v1/miners/" + assigned + "/start?miner_id=" + miner, minerKey, null)
                .expect(200);
        assertEquals(pending, Api.poll(minerKey, miner, 2));
        Api.post("/v1/miners/" + running + "/result?miner_id=" + miner, minerKey, "{\"result\":{\"output\":\"ok\"}}")
                .expect(200);
        JsonArray eventsAfter =
                Api.get("/v1/jobs/" + running + "/events", client).array("events");
        long lastBefore = eventsBefore
                .getJsonObject(eventsBefore.size() - 1)
                .getJsonNumber("event_id")
                .longValue();
        long firstNew = eventsAfter
                .getJsonObject(eventsBefore.size())
                .getJsonNumber("event_id")
                .longValue();
        assertTrue(firstNew > lastBefore, "event ids keep increasing across the restart");
        assertEquals("completed", Api.job(client, running).getString("status"));
    }

    /** Stops the test server with Liberty's own script and starts it again, waiting for readiness. */
    public static void restart() throws Exception {
        String wlp = System.getProperty("it.wlp.dir");
        String server = System.getProperty("it.server.name", "coordinator-it");
        run(new File(wlp, "bin/server").getPath(), "stop", server);
        run(new File(wlp, "bin/server").getPath(), "start", server);
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < until) {
            try {
                HttpResponse<String> r = Api.HTTP.send(
                        HttpRequest.newBuilder(URI.create(Api.BASE + "/health/ready"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(500);
        }
        throw new AssertionError("the server did not become ready after a restart");
    }

    private static void run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).inheritIO().start();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new AssertionError(String.join(" ", command) + " failed");
        }
    }
}
