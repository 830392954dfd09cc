package org.aitbc.coordinator.it.operations;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * A single server on Derby leads: it holds the leadership lease under an epoch, and its sweeper
 * runs (it counts its sweeps), as liveness reports. The cluster tests cover take-over and fencing
 * between servers; LeadershipInContainerIT covers the lease's rules on this database.
 */
public class LeadershipIT {
    private static JsonObject sweeper() {
        JsonArray checks = Api.get("/health/live", null).expect(200).json().getJsonArray("checks");
        for (int i = 0; i < checks.size(); i++) {
            if ("lease-sweeper".equals(checks.getJsonObject(i).getString("name"))) {
                return checks.getJsonObject(i);
            }
        }
        throw new AssertionError("no lease-sweeper check");
    }

    @Test
    void theOnlyServerLeadsUnderAnEpochAndSweeps() {
        Api.awaitReady();
        JsonObject check = sweeper();
        assertEquals("UP", check.getString("status"));
        JsonObject data = check.getJsonObject("data");
        assertTrue(data.getBoolean("leads"), "the only server leads: " + data);
        assertTrue(data.getJsonNumber("epoch").longValue() >= 1, data.toString());
        assertTrue(data.getString("leader").contains("/"), "the leader is named host/server/app: " + data);
        long runs = data.getJsonNumber("runs_here").longValue();
        long until = System.currentTimeMillis() + 15_000;
        while (sweeper().getJsonObject("data").getJsonNumber("runs_here").longValue() <= runs
                && System.currentTimeMillis() < until) {
            Api.sleep(250);
        }
        assertTrue(
                sweeper().getJsonObject("data").getJsonNumber("runs_here").longValue() > runs,
                "the leader's sweeper runs");
    }
}
