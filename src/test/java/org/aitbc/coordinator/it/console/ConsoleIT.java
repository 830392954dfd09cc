package org.aitbc.coordinator.it.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.aitbc.coordinator.it.support.Api;
import org.aitbc.coordinator.it.support.Locks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.openqa.selenium.By;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.WebElement;

/**
 * The console in a real browser (one headless Chromium for the class): sign-in, the live jobs
 * list, the job page's result actions, cancel, filters and paging, statistics, the operator
 * pages, the submit form, hostile text from a miner, and another client's job. Jobs are moved by
 * the test itself as a client and a miner through the real API while the browser watches.
 */
// Beside the waiting classes, not beside another heavy one: a headless Chromium.
@ResourceLock(Locks.CPU_HEAVY)
public class ConsoleIT {
    private static Browser browser;

    @BeforeAll
    static void start() throws IOException {
        Api.awaitReady();
        browser = new Browser("ConsoleIT");
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.close();
        }
    }

    /** A miner of its own region, driven by the test through the real API. */
    private record Miner(String key, String id, String region) {
        static Miner start() {
            String key = Api.miner();
            String region = Api.uniqueRegion();
            Miner m = new Miner(key, region + "-gpu", region);
            Api.register(key, m.id, region, 4);
            return m;
        }

        String claim() {
            return Api.poll(key, id, 2);
        }

        void post(String jobId, String what, String body) {
            Api.post("/v1/miners/" + jobId + "/" + what + "?miner_id=" + id, key, body)
                    .expect(200);
        }

        void progress(String jobId, int percent, String message) {
            post(
                    jobId,
                    "progress",
                    "{\"progress\":" + percent + ",\"message\":"
                            + jakarta.json.Json.createValue(message).toString() + "}");
        }
    }

    private static String submit(String client, Miner m, String model) {
        return Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"" + model + "\",\"input\":\"hi\",\"requirements\":{\"region\":\"" + m.region
                                + "\"}}")
                .expect(201)
                .str("job_id");
    }

    private static WebElement row(String jobId) {
        return browser.await(By.cssSelector("tr[data-job-id='" + jobId + "']"));
    }

    private static String rowStatus(String jobId) {
        return row(jobId).findElement(By.cssSelector(".c-status .status")).getAttribute("data-status");
    }

    private static int rowProgress(String jobId) {
        return Integer.parseInt(
                row(jobId).findElement(By.cssSelector(".c-progress progress")).getAttribute("value"));
    }

    @Test
    void signInAndSignOut() {
        String client = Api.client();
        browser.signOut();
        browser.open("#/jobs");
        browser.await(By.id("api-key"));
        browser.screenshot("signin");
        browser.await(By.id("api-key")).sendKeys("aitbc_not_a_key");
        browser.driver.findElement(By.id("sign-in")).click();
        browser.await(d -> d.findElement(By.id("signin-error")).getText().contains("not accepted") ? true : null);

        browser.signIn(client);
        browser.await(By.id("jobs-body"));
        assertEquals(client, browser.js("return sessionStorage.getItem('aitbc.console.key')"));
        assertFalse(browser.driver.getCurrentUrl().contains(client), "the key is never in the URL");
        assertFalse(browser.driver.getPageSource().contains(client), "nor in the page");
        assertEquals("client key", browser.text(By.id("whoami")));
        assertTrue(
                browser.driver.findElement(By.id("nav-ops")).getAttribute("hidden") != null,
                "no operator pages for a client key");
        browser.await(d -> d.findElement(By.id("jobs-empty")).getText().contains("aitbc client submit") ? true : null);

        browser.driver.findElement(By.id("sign-out")).click();
        browser.await(By.id("api-key"));
        assertEquals(
                null, browser.js("return sessionStorage.getItem('aitbc.console.key')"), "sign-out forgets the key");
        browser.open("#/jobs");
        browser.await(By.id("api-key"));
    }

    @Test
    void jobMovesLiveFromPendingToCompletedWithoutReload() {
        String client = Api.client();
        Miner m = Miner.start();
        browser.signIn(client);
        browser.await(By.id("jobs-empty"));
        browser.await(d -> "live".equals(d.findElement(By.id("feed-status")).getAttribute("data-state")) ? true : null);
        browser.js("window.__sameDocument = 'yes'");

        String job = submit(client, m, "gpt2");
        browser.await(d -> "pending".equals(rowStatus(job)) ? true : null);
        assertEquals(job, m.claim());
        m.post(job, "start", null);
        browser.await(d -> "running".equals(rowStatus(job)) ? true : null);
        assertEquals(m.id, row(job).findElement(By.cssSelector(".c-miner")).getText());
        m.progress(job, 30, "warming up");
        browser.await(d -> rowProgress(job) == 30 ? true : null);

        // A dropped connection resumes after the last event it saw: the progress sent while it
        // was down still arrives, and the page says it resumed.
        browser.js("window.aitbcConsole.dropFeed()");
        m.progress(job, 70, "most of it");
        browser.await(d -> rowProgress(job) == 70 ? true : null);
        browser.await(
                d -> d.findElement(By.id("feed-status")).getAttribute("data-resumed-after") != null ? true : null);
        browser.await(d -> d.findElement(By.id("feed-status")).getText().contains("resumed") ? true : null);
        browser.screenshot("jobs");

        m.post(job, "result", "{\"result\":{\"output\":\"done\"}}");
        browser.await(d -> "completed".equals(rowStatus(job)) ? true : null);
        browser.await(d -> rowProgress(job) == 100 ? true : null);
        assertEquals("yes", browser.js("return window.__sameDocument"), "no reload happened");
    }

    @Test
    void jobPageDownloadsVerifiesSharesAndDeletes() throws Exception {
        String client = Api.client();
        Miner m = Miner.start();
        String job = submit(client, m, "gpt2");
        assertEquals(job, m.claim());
        m.post(job, "start", null);
        byte[] log = "line one\nline two\n".getBytes(StandardCharsets.UTF_8);
        Api.upload(m.key, m.id, job, "logs/stdout.log", log).expect(200);
        m.post(job, "result", "{\"result\":{\"output\":\"Hello, world\"}}");

        browser.signIn(client);
        browser.go("#/jobs/" + job);
        browser.await(By.id("download-zip"));
        WebElement fileRow = browser.await(By.cssSelector("#result-files tr[data-path='logs/stdout.log']"));
        assertEquals(sha256(log), fileRow.findElement(By.cssSelector(".c-sha")).getText());
        assertEquals(
                "completed", browser.await(By.cssSelector("#job-title .status")).getAttribute("data-status"));

        // One file: arrives with the bytes the miner uploaded.
        fileRow.findElement(By.cssSelector("button.download-file")).click();
        Path file = browser.awaitDownload("stdout.log");
        assertEquals(sha256(log), sha256(Files.readAllBytes(file)));

        // The zip: every entry matches the SHA-256 the page lists for it.
        Map<String, String> listed = new HashMap<>();
        for (WebElement r : browser.driver.findElements(By.cssSelector("#result-files tr"))) {
            listed.put(
                    r.getAttribute("data-path"),
                    r.findElement(By.cssSelector(".c-sha")).getText());
        }
        browser.driver.findElement(By.id("download-zip")).click();
        Path zip = browser.awaitDownload(job + ".zip");
        int checked = 0;
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(Files.readAllBytes(zip)))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                String path = e.getName().substring(e.getName().indexOf('/') + 1);
                if (listed.containsKey(path)) {
                    assertEquals(listed.get(path), sha256(in.readAllBytes()), path);
                    checked++;
                }
            }
        }
        assertTrue(checked >= 2 && checked == listed.size(), "every listed file is in the zip: " + listed);

        browser.driver.findElement(By.id("verify")).click();
        assertTrue(browser.text(By.id("verify-verdict")).contains("matches"));
        browser.await(d ->
                d.findElements(By.cssSelector("#result-files .c-check .ok")).size() == listed.size() ? true : null);
        assertEquals(
                "18 B",
                browser.await(By.cssSelector("#result-files tr[data-path='logs/stdout.log'] .c-size"))
                        .getText());

        // A share link works without a key; revoked, it does not.
        browser.driver.findElement(By.id("share-create")).click();
        String url = browser.await(By.id("share-url")).getAttribute("value");
        assertEquals(200, Api.bytes("GET", url, null, null, Map.of()).status(), url);
        browser.await(By.cssSelector("#share-list .share-revoke"));
        browser.screenshot("job");
        browser.driver.findElement(By.cssSelector("#share-list .share-revoke")).click();
        browser.await(
                d -> d.findElements(By.cssSelector("#share-list .share-revoke")).isEmpty() ? true : null);
        assertTrue(Api.bytes("GET", url, null, null, Map.of()).status() >= 400, "a revoked link is refused");

        browser.driver.findElement(By.id("delete-results")).click();
        browser.await(By.id("delete-yes")).click();
        assertTrue(browser.text(By.id("no-results")).contains("deleted"));
        assertFalse(Api.job(client, job).getJsonObject("result").getBoolean("available"));
    }

    @Test
    void cancelAsksFirstAndShowsCancelingUntilTheMinerStops() {
        String client = Api.client();
        Miner m = Miner.start();
        String job = submit(client, m, "gpt2");
        assertEquals(job, m.claim());
        m.post(job, "start", null);
        browser.signIn(client);
        browser.go("#/jobs/" + job);
        browser.await(By.id("cancel")).click();
        assertTrue(browser.await(By.id("cancel-confirm")).isDisplayed(), "a confirmation first");
        assertEquals("running", Api.job(client, job).getString("status"), "nothing happened yet");
        browser.driver.findElement(By.id("cancel-yes")).click();
        browser.await(d -> "canceling"
                        .equals(d.findElement(By.cssSelector("#job-title .status"))
                                .getAttribute("data-status"))
                ? true
                : null);
        assertEquals("canceling", Api.job(client, job).getString("status"));
        m.post(job, "fail", "{\"error_code\":\"CANCELED\",\"error_message\":\"stopped on request\"}");
        browser.await(d -> "canceled"
                        .equals(d.findElement(By.cssSelector("#job-title .status"))
                                .getAttribute("data-status"))
                ? true
                : null);
        browser.await(d -> d.findElements(By.cssSelector("#job-timeline li")).size() >= 4 ? true : null);
    }

    @Test
    void filtersAndPagingShowWhatTheApiAnswers() {
        String client = Api.client();
        Miner m = Miner.start();
        List<String> all = new ArrayList<>();
        for (int i = 0; i < 23; i++) {
            all.add(submit(client, m, "model-" + i));
        }
        for (int i = 0; i < 5; i++) {
            Api.delete("/v1/jobs/" + all.get(i * 3), client).expect(200);
        }
        browser.signIn(client);

        browser.go("#/jobs?status=canceled");
        browser.await(d -> d.findElements(By.cssSelector("#jobs-body tr")).size() == 5 ? true : null);
        assertEquals(apiIds(client, "status=canceled&limit=100"), shownIds());
        assertTrue(browser.driver
                .findElement(By.cssSelector("input[data-status-filter='canceled']"))
                .isSelected());

        // Several statuses, through the form.
        browser.go("#/jobs");
        browser.await(By.cssSelector("#jobs-body tr"));
        browser.driver
                .findElement(By.cssSelector("input[data-status-filter='pending']"))
                .click();
        browser.driver
                .findElement(By.cssSelector("input[data-status-filter='canceled']"))
                .click();
        browser.driver.findElement(By.id("apply-filters")).click();
        browser.await(d -> d.getCurrentUrl().contains("status=pending%2Ccanceled") ? true : null);
        browser.await(d -> d.findElements(By.cssSelector("#jobs-body tr")).size() == 20 ? true : null);
        assertEquals(apiIds(client, "status=pending,canceled&limit=20"), shownIds());

        // Paging by cursor: "Older" twice shows all 23, in the API's order.
        browser.go("#/jobs?limit=10");
        browser.await(d -> d.findElements(By.cssSelector("#jobs-body tr")).size() == 10 ? true : null);
        browser.driver.findElement(By.id("older")).click();
        browser.await(d -> d.findElements(By.cssSelector("#jobs-body tr")).size() == 20 ? true : null);
        browser.driver.findElement(By.id("older")).click();
        browser.await(d -> d.findElements(By.cssSelector("#jobs-body tr")).size() == 23 ? true : null);
        assertFalse(browser.driver.findElement(By.id("older")).isDisplayed(), "no older page after the last");
        assertEquals(apiIds(client, "limit=100"), shownIds());

        String today = java.time.LocalDate.now(java.time.ZoneOffset.UTC).toString();
        browser.go("#/jobs?from=" + today + "&to=" + today + "&days=1&limit=50");
        browser.await(d -> d.findElements(By.cssSelector("#jobs-body tr")).size() == 23 ? true : null);
        assertEquals(apiIds(client, "from=" + today + "&to=" + today + "&days=1&limit=50"), shownIds());
        browser.go("#/jobs?to=2020-01-01");
        browser.await(d -> d.findElement(By.id("jobs-empty")).isDisplayed() ? true : null);
        assertTrue(browser.driver.findElements(By.cssSelector("#jobs-body tr")).isEmpty());
    }

    @Test
    void statisticsShowTheNumbersOfTheApi() {
        String client = Api.client();
        Miner m = Miner.start();
        for (int i = 0; i < 3; i++) {
            String job = submit(client, m, "gpt2");
            assertEquals(job, m.claim());
            m.post(job, "start", null);
            if (i < 2) {
                m.post(job, "result", "{\"result\":{}}");
            } else {
                m.post(job, "fail", "{\"error_code\":\"OOM\"}");
            }
        }
        Api.delete("/v1/jobs/" + submit(client, m, "gpt2"), client).expect(200);
        submit(client, m, "gpt2");
        browser.signIn(client);
        browser.go("#/stats");
        browser.await(By.id("stat-total"));
        JsonObject s = Api.get("/v1/jobs/stats", client).expect(200).json();
        assertEquals(String.valueOf(s.getInt("total_jobs")), value("stat-total"));
        assertEquals("5", browser.text(By.id("stat-total")));
        assertEquals(s.getJsonNumber("success_rate").doubleValue(), Double.parseDouble(value("stat-success")), 1e-12);
        assertEquals("50.0 %", browser.text(By.id("stat-success")));
        assertEquals(
                0,
                s.getJsonNumber("total_spent")
                        .bigDecimalValue()
                        .compareTo(new java.math.BigDecimal(value("stat-spent"))));
        assertEquals(
                s.getJsonNumber("average_completion_seconds").doubleValue(),
                Double.parseDouble(value("stat-average")),
                1e-9);
        browser.await(d -> d.findElement(By.id("chart-jobs")).getAttribute("data-days") != null ? true : null);
        assertFalse(
                browser.driver
                        .findElements(By.cssSelector("#chart-jobs canvas"))
                        .isEmpty(),
                "ECharts drew");
        browser.screenshot("stats");
    }

    private static String value(String id) {
        return browser.await(By.id(id)).getAttribute("data-value");
    }

    @Test
    void hostileProgressMessageIsShownAsText() {
        String client = Api.client();
        Miner m = Miner.start();
        String job = submit(client, m, "gpt2");
        assertEquals(job, m.claim());
        m.post(job, "start", null);
        String hostile = "<img src=x onerror=alert(1)>";
        m.progress(job, 40, hostile);
        browser.signIn(client);
        browser.go("#/jobs/" + job);
        WebElement msg = browser.await(d -> d.findElements(By.cssSelector("#job-timeline .event-message")).stream()
                .filter(e -> e.getText().equals(hostile))
                .findFirst()
                .orElse(null));
        assertEquals(hostile, msg.getText(), "shown as the text it is");
        // Live too: a second one arrives over the feed.
        String second = hostile + "<script>alert(2)</script>";
        m.progress(job, 50, second);
        browser.await(d -> d.findElements(By.cssSelector("#job-timeline .event-message")).stream()
                        .anyMatch(e -> e.getText().equals(second))
                ? true
                : null);
        assertTrue(
                browser.driver
                        .findElements(By.cssSelector("#main img, #main script"))
                        .isEmpty(),
                "no element made of it");
        try {
            browser.driver.switchTo().alert();
            throw new AssertionError("a script ran: an alert is open");
        } catch (NoAlertPresentException expected) {
            // nothing ran
        }
    }

    @Test
    void anotherClientsJobIsNotReachable() {
        String owner = Api.client();
        Miner m = Miner.start();
        String job = submit(owner, m, "gpt2");
        browser.signIn(Api.client());
        browser.go("#/jobs/" + job);
        assertTrue(browser.text(By.id("job-missing")).contains("No job"));
        assertTrue(browser.driver.findElements(By.id("job-fields")).isEmpty());
        browser.go("#/jobs");
        browser.await(d -> d.findElement(By.id("jobs-empty")).isDisplayed() ? true : null);
        assertTrue(browser.driver
                .findElements(By.cssSelector("tr[data-job-id='" + job + "']"))
                .isEmpty());
    }

    @Test
    void operatorPagesForAnAdminKey() {
        Miner m = Miner.start();
        browser.signIn(Api.ADMIN_KEY);
        assertEquals("admin key", browser.text(By.id("whoami")));
        browser.go("#/ops");
        WebElement miner = browser.await(By.cssSelector("#miners tr[data-miner-id='" + m.id + "']"));
        assertTrue(miner.getText().contains("online"), miner.getText());
        assertTrue(miner.getText().contains(m.region), miner.getText());
        assertEquals("UP", browser.text(By.id("ready-status")));
        JsonObject s = Api.get("/v1/jobs/stats", Api.ADMIN_KEY).expect(200).json();
        assertEquals(
                s.getJsonObject("by_status").getInt("canceling"),
                Integer.parseInt(browser.text(By.cssSelector("#queue td[data-state='canceling']"))));
        browser.await(d -> d.findElement(By.id("chart-minute")).getAttribute("data-submitted") != null ? true : null);

        browser.screenshot("ops");
        browser.driver.findElement(By.id("a-name")).sendKeys("from-the-console");
        browser.driver.findElement(By.id("a-create")).click();
        String key = browser.await(By.id("new-key")).getAttribute("value");
        assertNotNull(key);
        Api.get("/v1/jobs", key).expect(200);
        String id = browser.await(By.cssSelector("#new-account .mono")).getText();
        browser.await(By.cssSelector("#accounts tr[data-account-id='" + id + "'] .account-revoke"))
                .click();
        browser.await(d -> d.findElements(By.cssSelector("#accounts tr[data-account-id='" + id + "'] .account-revoke"))
                        .isEmpty()
                ? true
                : null);
        Api.get("/v1/jobs", key).expectError(401, "UNAUTHENTICATED");
    }

    @Test
    void aPhoneWidthWindowNeedsNoSidewaysScrollingAndEveryControlTakesTheKeyboard() {
        String client = Api.client();
        // A region no miner serves, so that no other test's miner takes the job.
        String id = Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"gpt2\",\"input\":\"phone\",\"requirements\":{\"region\":\"" + Api.uniqueRegion()
                                + "\"}}")
                .expect(201)
                .str("job_id");
        org.openqa.selenium.Dimension wide = browser.driver.manage().window().getSize();
        browser.driver.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        try {
            browser.signIn(client);
            for (String page : List.of("#/jobs", "#/jobs/" + id, "#/stats", "#/submit")) {
                browser.go(page);
                browser.await(By.cssSelector("main h1"));
                if (page.equals("#/jobs")) {
                    browser.await(
                            d -> d.findElements(By.cssSelector("#jobs-body tr")).isEmpty() ? null : true);
                    // Times are the browser's local time, with the UTC instant on hover.
                    String title = browser.driver
                            .findElement(By.cssSelector("#jobs-body time"))
                            .getAttribute("title");
                    assertTrue(title.startsWith("UTC "), title);
                }
                Number overflow = (Number) browser.js(
                        "return document.documentElement.scrollWidth - document.documentElement.clientWidth");
                assertTrue(overflow.intValue() <= 1, page + " scrolls sideways by " + overflow + " px at 390 px");
                Number unreachable = (Number)
                        browser.js(
                                "return [...document.querySelectorAll("
                                        + "'button, a[href], input, select, textarea')].filter(e => !e.disabled && e.tabIndex < 0).length");
                assertEquals(0, unreachable.intValue(), page + ": every control is reachable with Tab");
                browser.screenshot("phone-" + page.replaceAll("[^a-z]", ""));
            }
        } finally {
            browser.driver.manage().window().setSize(wide);
        }
    }

    @Test
    void submitFormEstimatesAndNamesBadFields() throws Exception {
        String client = Api.client();
        browser.signIn(client);
        browser.go("#/submit");
        browser.await(d -> d.findElement(By.id("j-estimate")).getText().contains("AITBC") ? true : null);
        WebElement model = browser.driver.findElement(By.id("j-model"));
        model.clear();
        WebElement gpu = browser.driver.findElement(By.id("j-gpu"));
        gpu.sendKeys("a100");
        // A region no miner serves, so that no other test's miner takes the job.
        browser.driver.findElement(By.id("j-region")).sendKeys(Api.uniqueRegion());
        browser.driver.findElement(By.id("j-submit")).click();
        browser.await(d -> !d.findElement(By.cssSelector("[data-error-for='model']"))
                        .getText()
                        .isBlank()
                ? true
                : null);
        assertEquals(0, Api.get("/v1/jobs", client).expect(200).json().getInt("total"), "nothing submitted");
        browser.screenshot("submit");
        model.sendKeys("gpt2");
        browser.await(d -> d.findElement(By.cssSelector("[data-error-for='model']"))
                        .getText()
                        .isBlank()
                ? true
                : null);
        String estimate = browser.text(By.id("j-estimate"));
        browser.driver.findElement(By.id("j-submit")).click();
        browser.await(By.id("job-title"));
        JsonObject j = Api.get("/v1/jobs?limit=1", client)
                .expect(200)
                .json()
                .getJsonArray("jobs")
                .getJsonObject(0);
        assertTrue(browser.driver.getCurrentUrl().endsWith("#/jobs/" + j.getString("job_id")));
        assertEquals("a100", j.getJsonObject("constraints").getString("gpu"));
        assertTrue(estimate.contains("AITBC"), estimate);

        // An input file: uploaded first, then named by the job; the miner reads back its bytes.
        Miner m = Miner.start();
        byte[] content = "weights, or something like them\n".repeat(100).getBytes(StandardCharsets.UTF_8);
        Path upload = Files.write(browser.downloads.resolve("input.bin"), content);
        browser.go("#/submit");
        browser.await(By.id("j-file")).sendKeys(upload.toString());
        browser.driver.findElement(By.id("j-region")).sendKeys(m.region);
        browser.driver.findElement(By.id("j-submit")).click();
        browser.await(By.id("job-title"));
        String job = browser.driver.getCurrentUrl().replaceAll(".*#/jobs/", "");
        assertEquals(job, m.claim());
        Api.Bytes input = Api.bytes("GET", "/v1/miners/" + job + "/input?miner_id=" + m.id, m.key, null, Map.of());
        assertEquals(200, input.status());
        assertEquals(sha256(content), sha256(input.body()));
    }

    private static List<String> apiIds(String client, String query) {
        List<String> ids = new ArrayList<>();
        Api.get("/v1/jobs?" + query, client)
                .expect(200)
                .array("jobs")
                .forEach(v -> ids.add(v.asJsonObject().getString("job_id")));
        return ids;
    }

    private static List<String> shownIds() {
        List<String> ids = new ArrayList<>();
        for (WebElement r : browser.driver.findElements(By.cssSelector("#jobs-body tr"))) {
            ids.add(r.getAttribute("data-job-id"));
        }
        return ids;
    }

    static String sha256(byte[] b) throws NoSuchAlgorithmException {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
