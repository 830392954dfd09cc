package org.aitbc.coordinator.it.blackbox;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.ws.rs.core.Response;
import java.io.StringReader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.microshed.testing.jaxrs.RESTClient;
import org.microshed.testing.jupiter.MicroShedTest;

/**
 * Black-box tests of the REST API with MicroShed Testing: typed JAX-RS clients against the
 * integration-test server (manual environment: host and port from failsafe's properties).
 */
@MicroShedTest
public class JobApiBlackBoxIT {
    private static final String ADMIN = System.getProperty("it.admin.key");

    @RESTClient
    public static JobsApi jobs;

    @RESTClient
    public static AdminApi admin;

    private static String client;

    private static JsonObject json(Response r) {
        try (JsonReader reader = Json.createReader(new StringReader(r.readEntity(String.class)))) {
            return reader.readObject();
        }
    }

    @BeforeAll
    static void account() {
        org.aitbc.coordinator.it.support.Api.awaitReady();
        Response r = admin.create(ADMIN, "{\"role\":\"client\",\"plan\":\"enterprise\",\"name\":\"blackbox\"}");
        assertEquals(201, r.getStatus());
        client = json(r).getString("api_key");
    }

    @Test
    void submitReadListCancel() {
        Response created = jobs.submit(
                client,
                "{\"model\":\"gpt2\",\"priority\":\"low\",\"requirements\":" + "{\"region\":\"blackbox-nowhere\"}}");
        assertEquals(201, created.getStatus());
        JsonObject job = json(created);
        String id = job.getString("job_id");
        assertEquals("pending", job.getString("status"));
        assertEquals("low", job.getString("priority"));

        JsonObject read = json(jobs.get(client, id));
        assertEquals(id, read.getString("job_id"));
        assertEquals("QUEUED", read.getString("state"));

        JsonObject listed = json(jobs.list(client, "pending"));
        assertEquals(1, listed.getInt("total"));
        assertEquals(id, listed.getJsonArray("jobs").getJsonObject(0).getString("job_id"));

        Response canceled = jobs.cancel(client, id);
        assertEquals(200, canceled.getStatus());
        JsonObject c = json(canceled);
        assertEquals("canceled", c.getString("cancellation"));
        assertEquals("canceled", c.getString("status"));

        Response again = jobs.cancel(client, id);
        assertEquals(409, again.getStatus());
        JsonObject error = json(again).getJsonObject("error");
        assertEquals("INVALID_STATE", error.getString("code"));
        assertTrue(error.getString("message").contains("canceled"));

        JsonObject stats = json(jobs.stats(client));
        assertEquals(1, stats.getJsonObject("by_status").getInt("canceled"));
    }

    @Test
    void errorsAreJsonWithTheOneShape() {
        Response missing = jobs.get(client, "job_missing00000000000000000");
        assertEquals(404, missing.getStatus());
        assertTrue(missing.getMediaType().toString().startsWith("application/json"));
        assertEquals("JOB_NOT_FOUND", json(missing).getJsonObject("error").getString("code"));
        Response unauthenticated = jobs.list(null, null);
        assertEquals(401, unauthenticated.getStatus());
        assertEquals(
                "UNAUTHENTICATED", json(unauthenticated).getJsonObject("error").getString("code"));
    }
}
