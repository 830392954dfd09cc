package org.aitbc.coordinator.it.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/** Keys, roles, tenant isolation and rate limits on every route. */
public class AccessIT {
    @Test
    void missingUnknownAndRevokedKeysAre401() {
        Api.get("/v1/jobs", null).expectError(401, "UNAUTHENTICATED");
        Api.get("/v1/jobs", "aitbc_notakey").expectError(401, "UNAUTHENTICATED");
        Api.post("/v1/miners/poll", null, "{}").expectError(401, "UNAUTHENTICATED");
        Api.post("/v1/admin/accounts", null, "{}").expectError(401, "UNAUTHENTICATED");

        Api.Res created = Api.post("/v1/admin/accounts", Api.ADMIN_KEY, "{\"role\":\"client\",\"plan\":\"pro\"}")
                .expect(201);
        String key = created.str("api_key");
        Api.get("/v1/jobs", key).expect(200);
        Api.delete("/v1/admin/accounts/" + created.str("id"), Api.ADMIN_KEY).expect(200);
        Api.get("/v1/jobs", key).expectError(401, "UNAUTHENTICATED");
        boolean listed =
                Api.get("/v1/admin/accounts", Api.ADMIN_KEY).expect(200).body().contains(created.str("id"));
        assertTrue(listed, "a revoked account stays listed");
        assertFalse(Api.get("/v1/admin/accounts", Api.ADMIN_KEY).body().contains(key), "keys are never listed");
    }

    @Test
    void eachRoleOnlyOnItsRoutes() {
        String client = Api.client();
        String minerKey = Api.miner();
        String job = Api.submit(client, Api.uniqueRegion());
        List<String[]> clientRoutes = List.of(
                new String[] {"POST", "/v1/jobs"},
                new String[] {"POST", "/v1/jobs/batch"},
                new String[] {"GET", "/v1/jobs"},
                new String[] {"GET", "/v1/jobs/" + job},
                new String[] {"GET", "/v1/jobs/" + job + "/events"},
                new String[] {"DELETE", "/v1/jobs/" + job},
                new String[] {"POST", "/v1/jobs/" + job + "/cancel"},
                new String[] {"GET", "/v1/jobs/history"});
        for (String[] r : clientRoutes) {
            Api.call(r[0], r[1], minerKey, "{}", Map.of()).expectError(403, "FORBIDDEN");
        }
        List<String> minerRoutes = List.of(
                "/v1/miners/register",
                "/v1/miners/heartbeat",
                "/v1/miners/poll",
                "/v1/miners/" + job + "/start",
                "/v1/miners/" + job + "/progress",
                "/v1/miners/" + job + "/result",
                "/v1/miners/" + job + "/fail");
        for (String r : minerRoutes) {
            Api.post(r, client, "{}").expectError(403, "FORBIDDEN");
        }
        Api.post("/v1/admin/accounts", client, "{\"role\":\"admin\"}").expectError(403, "FORBIDDEN");
        Api.get("/v1/admin/accounts", minerKey).expectError(403, "FORBIDDEN");
        assertEquals(
                "pending", Api.job(client, job).getString("status"), "nothing the wrong roles sent changed the job");
    }

    @Test
    void anotherClientsJobIsNotFound() {
        String alice = Api.client();
        String bob = Api.client();
        String job = Api.submit(alice, Api.uniqueRegion());
        Api.get("/v1/jobs/" + job, bob).expectError(404, "JOB_NOT_FOUND");
        Api.get("/v1/jobs/" + job + "/events", bob).expectError(404, "JOB_NOT_FOUND");
        Api.get("/v1/jobs/" + job + "/result", bob).expectError(404, "JOB_NOT_FOUND");
        Api.delete("/v1/jobs/" + job, bob).expectError(404, "JOB_NOT_FOUND");
        Api.post("/v1/jobs/" + job + "/cancel", bob, null).expectError(404, "JOB_NOT_FOUND");
        assertEquals(0, Api.get("/v1/jobs", bob).json().getInt("total"));
        assertEquals(1, Api.get("/v1/jobs", alice).json().getInt("total"));
        assertEquals("pending", Api.job(alice, job).getString("status"));
        // An admin sees it.
        Api.get("/v1/jobs/" + job, Api.ADMIN_KEY).expect(200);
    }

    @Test
    void aMinerIdBelongsToTheAccountThatRegisteredIt() {
        String first = Api.miner();
        String second = Api.miner();
        String region = Api.uniqueRegion();
        Api.register(first, region + "-owned", region, 1);
        Api.post("/v1/miners/register?miner_id=" + region + "-owned", second, "{}")
                .expectError(403, "FORBIDDEN");
        Api.post("/v1/miners/poll?miner_id=" + region + "-owned", second, "{}").expectError(403, "FORBIDDEN");
        Api.call("POST", "/v1/miners/heartbeat", second, "{}", Map.of("X-Miner-ID", region + "-owned"))
                .expectError(403, "FORBIDDEN");
    }

    @Test
    void freePlanIsThrottledWithRetryAfter() {
        // The test server allows the free plan 30 requests a minute (src/test/liberty/server.env).
        String free = Api.account("client", "free");
        int ok = 0;
        Api.Res limited = null;
        for (int i = 0; i < 40; i++) {
            Api.Res r = Api.get("/v1/jobs", free);
            if (r.status() == 429) {
                limited = r;
                break;
            }
            r.expect(200);
            ok++;
        }
        assertEquals(30, ok);
        limited.expectError(429, "RATE_LIMITED");
        long retryAfter =
                Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        // Another key is not affected.
        Api.get("/v1/jobs", Api.account("client", "free")).expect(200);
    }
}
