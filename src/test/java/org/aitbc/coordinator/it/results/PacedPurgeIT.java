package org.aitbc.coordinator.it.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Schedule;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The retention purge is paced (the test server allows it 20 results a second, in batches of at
 * most that many, and each run stops before the next is due): a backlog larger than one run's
 * budget is still purged to the last result over several runs, and results whose retention has
 * not ended keep their files.
 */
@Order(Schedule.LONG_WAITS)
public class PacedPurgeIT {
    private static final int ACCOUNTS = 6;
    private static final int JOBS_EACH = 5;

    @Test
    void aPacedPurgeStillPurgesEverythingDueAndLeavesUnexpiredResults() throws Exception {
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, ACCOUNTS * JOBS_EACH + 1);
        // Free-plan results expire 40 s after they end on the test server; the free plan's request
        // limit is small, so the jobs are spread over a few accounts.
        List<String> freeClients = new ArrayList<>();
        List<String> expiring = new ArrayList<>();
        for (int a = 0; a < ACCOUNTS; a++) {
            String client = Api.account("client", "free");
            freeClients.add(client);
            for (int i = 0; i < JOBS_EACH; i++) {
                expiring.add(run(client, minerKey, miner, region));
            }
        }
        String pro = Api.account("client", "pro");
        String kept = run(pro, minerKey, miner, region);

        Path results = Paths.get(System.getProperty("it.server.dir"), "data", "results");
        for (String job : expiring) {
            assertTrue(Files.exists(results.resolve(job).resolve("output.json")), "sealed: " + job);
        }
        long until = System.currentTimeMillis() + 150_000;
        while (System.currentTimeMillis() < until && expiring.stream().anyMatch(j -> stored(results, j))) {
            Thread.sleep(1000);
        }
        for (String job : expiring) {
            assertFalse(stored(results, job), "the paced purge deleted the files of " + job);
        }
        for (int a = 0; a < ACCOUNTS; a++) {
            JsonObject view = Api.job(freeClients.get(a), expiring.get(a * JOBS_EACH));
            assertFalse(view.getJsonObject("result").getBoolean("available"));
            assertEquals("completed", view.getString("status"), "the job stays for history");
        }
        assertTrue(stored(results, kept), "a result whose retention has not ended keeps its files");
        assertTrue(Api.job(pro, kept).getJsonObject("result").getBoolean("available"));
    }

    private static boolean stored(Path results, String job) {
        return Files.exists(results.resolve(job).resolve("output.json"));
    }

    private static String run(String client, String minerKey, String miner, String region) {
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, miner, 2));
        Api.post("/v1/miners/" + job + "/start?miner_id=" + miner, minerKey, null)
                .expect(200);
        Api.post(
                        "/v1/miners/" + job + "/result?miner_id=" + miner,
                        minerKey,
                        "{\"result\":{\"output\":\"purge me\"},\"metrics\":{\"tokens\":1}}")
                .expect(200);
        return job;
    }
}
