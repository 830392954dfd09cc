package org.aitbc.coordinator.it.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * How the console is served, over plain HTTP: the redirect of a browser from {@code /} (and
 * none for JSON clients), the Content-Security-Policy, the WebJar served from the war, and the
 * API's error shape for anything the console does not have.
 */
public class ConsoleServingIT {

    @Test
    void browsersAreRedirectedFromTheRootAndJsonClientsAreNot() {
        Api.Res html = Api.call(
                "GET",
                "/",
                null,
                null,
                Map.of("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"));
        assertEquals(302, html.status());
        assertTrue(html.headers().firstValue("Location").orElse("").endsWith("/console/"));
        Api.Res plain = Api.call("GET", "/", null, null, Map.of());
        Api.Res json = Api.call("GET", "/", null, null, Map.of("Accept", "application/json"));
        assertFalse(json.status() == 302 || plain.status() == 302, "JSON clients are not redirected");
        assertEquals(plain.status(), json.status());
        assertEquals(plain.body(), json.body());
    }

    @Test
    void consoleAnswersCarryAStrictPolicy() {
        for (String path : new String[] {"/console/", "/console/console.js", "/console/console.css"}) {
            Api.Res r = Api.get(path, null).expect(200);
            String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
            String scripts = csp.replaceAll(".*script-src ([^;]*).*", "$1");
            assertEquals("'self'", scripts, "scripts from this origin only: " + csp);
            assertTrue(csp.contains("default-src 'self'") && csp.contains("object-src 'none'"), csp);
            assertFalse(csp.contains("http"), "no third-party origin: " + csp);
            assertEquals(
                    "nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""));
        }
        Api.Res index = Api.get("/console/", null);
        assertTrue(index.headers().firstValue("Content-Type").orElse("").startsWith("text/html"));
        assertFalse(index.body().contains("<script>") || index.body().contains("onclick="), "no inline script");
        assertFalse(index.body().contains("http://") || index.body().contains("https://"), "nothing from elsewhere");
        assertEquals(302, Api.get("/console", null).status());
    }

    @Test
    void theChartLibraryComesFromTheWar() {
        Api.Bytes js = Api.bytes("GET", "/webjars/echarts/5.3.1/dist/echarts.min.js", null, null, Map.of());
        assertEquals(200, js.status());
        assertTrue(js.body().length > 500_000, "the whole library: " + js.body().length);
        assertTrue(js.headers().firstValue("Content-Type").orElse("").startsWith("text/javascript"));
    }

    @Test
    void whatTheConsoleDoesNotHaveIsTheApisErrorShape() {
        Api.get("/console/nothing-here.js", null).expectError(404, "NOT_FOUND");
        Api.get("/console/WEB-INF/web.xml", null).expectError(404, "NOT_FOUND");
        Api.get("/webjars/echarts/5.3.1/package.json.bak", null).expectError(404, "NOT_FOUND");
        Api.Res post = Api.post("/console/", null, "{}");
        assertEquals(405, post.status());
        assertFalse(post.body().contains("Exception") || post.body().contains("<html"), post.body());
    }
}
