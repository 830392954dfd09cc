package org.aitbc.coordinator.it.openapi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The API description the server serves: equal to docs/openapi.json (from which the build
 * generates the client GeneratedClientIT uses), complete (an id per operation, a body for every
 * request that takes one, the error shape on every error answer, properties on every answer), and
 * valid by a third-party linter (Redocly CLI, from npm).
 */
class OpenApiDocumentIT {
    private static final String REDOCLY = "@redocly/cli@2.77.0";
    private static JsonObject served;
    private static String servedText;

    @BeforeAll
    static void fetch() throws Exception {
        Api.awaitReady();
        Api.Res res = Api.call("GET", "/openapi?format=JSON", null, null, Map.of("Accept", "application/json"));
        assertEquals(200, res.status());
        servedText = res.body();
        served = normalised(Json.createReader(new StringReader(servedText)).readObject());
        Path out = Path.of("target", "openapi-served.json");
        Files.createDirectories(out.getParent());
        Files.writeString(out, servedText, StandardCharsets.UTF_8);
    }

    /** The servers entry names the port the test server listens on; the rest must be equal. */
    private static JsonObject normalised(JsonObject doc) {
        return Json.createObjectBuilder(doc).remove("servers").build();
    }

    @Test
    void theCommittedDocumentIsTheServedOne() throws Exception {
        // The integration tests run in the checkout's top folder.
        Path committed = Path.of("docs", "openapi.json");
        JsonObject doc = normalised(
                Json.createReader(new StringReader(Files.readString(committed))).readObject());
        assertTrue(
                doc.equals(served),
                "docs/openapi.json differs from what the server serves (target/openapi-served.json): "
                        + "run scripts/openapi-snapshot.sh against a server built from this tree");
    }

    @Test
    void everyOperationHasAnIdTheErrorShapeAndItsBody() {
        Set<String> ids = new HashSet<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, JsonValue> path : served.getJsonObject("paths").entrySet()) {
            for (Map.Entry<String, JsonValue> op :
                    path.getValue().asJsonObject().entrySet()) {
                if (!Set.of("get", "post", "put", "delete", "patch").contains(op.getKey())) {
                    continue;
                }
                JsonObject o = op.getValue().asJsonObject();
                String where = op.getKey().toUpperCase() + " " + path.getKey();
                String id = o.getString("operationId", null);
                if (id == null || !ids.add(id)) {
                    problems.add(where + ": operationId missing or repeated: " + id);
                }
                for (Map.Entry<String, JsonValue> answer :
                        o.getJsonObject("responses").entrySet()) {
                    JsonObject r = answer.getValue().asJsonObject();
                    boolean error =
                            answer.getKey().startsWith("4") || answer.getKey().startsWith("5");
                    if (error && !r.toString().contains("#/components/schemas/ErrorBody")) {
                        problems.add(where + " " + answer.getKey() + ": not the error shape");
                    }
                    if (answer.getKey().startsWith("2")
                            && !answer.getKey().equals("204")
                            && !r.containsKey("content")) {
                        problems.add(where + " " + answer.getKey() + ": no content described");
                    }
                }
                if ((op.getKey().equals("post") || op.getKey().equals("put"))
                        && !o.containsKey("requestBody")
                        && !Set.of("minerStart", "jobCancelByPost", "resultVerify", "webhookRedeliver")
                                .contains(id)) {
                    problems.add(where + ": no request body");
                }
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        JsonObject job =
                served.getJsonObject("components").getJsonObject("schemas").getJsonObject("JobView");
        JsonObject props = job.getJsonObject("properties");
        assertTrue(
                props.containsKey("job_id") && props.containsKey("estimated_cost"),
                props.keySet().toString());
        assertEquals(
                List.of("pending", "assigned", "running", "canceling", "completed", "failed", "canceled"),
                props.getJsonObject("status").getJsonArray("enum").getValuesAs(jakarta.json.JsonString::getString));
        JsonObject submit =
                served.getJsonObject("paths").getJsonObject("/v1/jobs").getJsonObject("post");
        assertTrue(submit.getJsonObject("requestBody").toString().contains("AnySubmission"));
        assertNotNull(
                served.getJsonObject("components").getJsonObject("schemas").getJsonObject("LegacyJobSubmission"));
        JsonObject share = served.getJsonObject("paths")
                .getJsonObject("/v1/shares/{token}")
                .getJsonObject("get");
        assertEquals(0, share.getJsonArray("security").size(), "a share link needs no key");
    }

    @Test
    void redoclyFindsNoError() throws Exception {
        Path doc = Path.of("target", "openapi-served.json").toAbsolutePath();
        Path report = Path.of("target", "redocly-lint.txt").toAbsolutePath();
        Process p = new ProcessBuilder("npx", "-y", REDOCLY, "lint", doc.toString(), "--format", "stylish")
                .redirectErrorStream(true)
                .redirectOutput(report.toFile())
                .start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "redocly lint did not finish");
        String text = Files.readString(report);
        assertEquals(0, p.exitValue(), text);
        assertTrue(text.contains("Your API description is valid"), text);
        assertFalse(text.contains(" error "), text);
    }
}
