package org.aitbc.coordinator.it.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.Json;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/** History, filters, keyset paging, export, statistics and costs against the real server. */
public class HistoryIT {

    private static List<String> submitBatch(String client, String region, int n, String extra) {
        List<String> ids = new ArrayList<>();
        for (int start = 0; start < n; start += 100) {
            StringBuilder b = new StringBuilder("[");
            for (int i = start; i < Math.min(n, start + 100); i++) {
                b.append(i == start ? "" : ",")
                        .append("{\"model\":\"m")
                        .append(i)
                        .append("\",\"requirements\":{\"region\":\"")
                        .append(region)
                        .append("\"}")
                        .append(extra)
                        .append('}');
            }
            Api.post("/v1/jobs/batch", client, b.append(']').toString())
                    .expect(201)
                    .array("jobs")
                    .forEach(v -> ids.add(v.asJsonObject().getString("job_id")));
        }
        return ids;
    }

    private static List<String> pageAll(String client, String query, int limit) {
        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            Api.Res r = Api.get("/v1/jobs?limit=" + limit + query + (cursor == null ? "" : "&cursor=" + cursor), client)
                    .expect(200);
            r.array("jobs").forEach(v -> seen.add(v.asJsonObject().getString("job_id")));
            cursor = r.json().getBoolean("has_more") ? r.str("next_cursor") : null;
        } while (cursor != null);
        return seen;
    }

    @Test
    void pagingCoversEveryJobExactlyOnceWhileJobsAreAdded() throws Exception {
        String client = Api.client();
        String region = Api.uniqueRegion();
        Set<String> existing = new HashSet<>(submitBatch(client, region, 300, ""));
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            while (!stop.get()) {
                Api.submit(client, region);
            }
        });
        writer.start();
        List<String> seen;
        try {
            seen = pageAll(client, "", 37);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertEquals(seen.size(), new HashSet<>(seen).size(), "no job appears twice");
        assertTrue(new HashSet<>(seen).containsAll(existing), "every job that existed is listed");
        // Newest first: created_at never increases down the list.
        JsonArray first = Api.get("/v1/jobs?limit=50", client).array("jobs");
        for (int i = 1; i < first.size(); i++) {
            assertFalse(Instant.parse(first.getJsonObject(i).getString("created_at"))
                    .isAfter(Instant.parse(first.getJsonObject(i - 1).getString("created_at"))));
        }
    }

    @Test
    void filtersAloneAndCombined() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, 10);
        List<String> jobs = submitBatch(client, region, 6, "");
        // Make: 2 completed, 1 failed, 1 running, 1 canceled, 1 pending.
        List<String> claimed = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            claimed.add(Api.poll(minerKey, miner, 1));
        }
        Api.post("/v1/miners/" + claimed.get(0) + "/result?miner_id=" + miner, minerKey, "{\"result\":{}}")
                .expect(200);
        Api.post("/v1/miners/" + claimed.get(1) + "/result?miner_id=" + miner, minerKey, "{\"result\":{}}")
                .expect(200);
        Api.post("/v1/miners/" + claimed.get(2) + "/fail?miner_id=" + miner, minerKey, "{\"error_code\":\"OOM\"}")
                .expect(200);
        Api.post("/v1/miners/" + claimed.get(3) + "/start?miner_id=" + miner, minerKey, null)
                .expect(200);
        String pending =
                jobs.stream().filter(j -> !claimed.contains(j)).findFirst().orElseThrow();
        Api.delete("/v1/jobs/" + pending, client).expect(200);

        assertEquals(2, Api.get("/v1/jobs?status=completed", client).json().getInt("total"));
        assertEquals(1, Api.get("/v1/jobs?status=failed", client).json().getInt("total"));
        assertEquals(1, Api.get("/v1/jobs?status=running", client).json().getInt("total"));
        assertEquals(
                3, Api.get("/v1/jobs?status=completed,failed", client).json().getInt("total"));
        assertEquals(6, Api.get("/v1/jobs", client).json().getInt("total"));
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1).toString();
        String yesterday = LocalDate.now(ZoneOffset.UTC).minusDays(1).toString();
        assertEquals(
                6,
                Api.get("/v1/jobs?from=" + today + "&to=" + today, client)
                        .json()
                        .getInt("total"));
        assertEquals(0, Api.get("/v1/jobs?from=" + tomorrow, client).json().getInt("total"));
        assertEquals(0, Api.get("/v1/jobs?to=" + yesterday, client).json().getInt("total"));
        assertEquals(6, Api.get("/v1/jobs?days=1", client).json().getInt("total"));
        assertEquals(
                2,
                Api.get("/v1/jobs?days=7&status=completed&from=" + yesterday + "&to=" + today, client)
                        .json()
                        .getInt("total"));
        JsonObject history = Api.get("/v1/jobs/history?from=" + today + "&to=" + today + "&status=canceled", client)
                .expect(200)
                .json();
        assertEquals(1, history.getInt("total"));
        assertEquals(pending, history.getJsonArray("jobs").getJsonObject(0).getString("job_id"));
        JsonObject page = Api.get("/v1/jobs?limit=4", client).json();
        assertEquals(4, page.getJsonArray("jobs").size());
        assertTrue(page.getBoolean("has_more"));
        assertEquals(6, page.getInt("total"));
    }

    @Test
    void exportMatchesTheListInJsonAndCsv() {
        String client = Api.client();
        String region = Api.uniqueRegion();
        submitBatch(client, region, 2000, "");
        Api.post(
                        "/v1/jobs",
                        client,
                        "{\"model\":\"odd, \\\"quoted\\\" model\",\"requirements\":{\"region\":\"" + region + "\"}}")
                .expect(201);
        List<String> listed = pageAll(client, "", 1000);
        assertEquals(2001, listed.size());

        Api.Res json = Api.get("/v1/jobs/export?format=json", client).expect(200);
        JsonArray exported;
        try (JsonReader r = Json.createReader(new StringReader(json.body()))) {
            exported = r.readArray();
        }
        assertEquals(
                listed,
                exported.stream().map(v -> v.asJsonObject().getString("job_id")).toList());
        JsonObject one = Api.job(client, listed.get(5));
        assertEquals(one, exported.getJsonObject(5), "an exported job is the job view");

        Api.Res csv = Api.get("/v1/jobs/export?format=csv", client).expect(200);
        assertTrue(csv.headers().firstValue("Content-Type").orElse("").startsWith("text/csv"));
        List<List<String>> rows = parseCsv(csv.body());
        assertEquals("job_id", rows.get(0).get(0));
        assertEquals(2002, rows.size(), "a header and one row per job");
        List<String> csvIds =
                rows.subList(1, rows.size()).stream().map(r -> r.get(0)).toList();
        assertEquals(listed, csvIds);
        List<String> odd = rows.stream()
                .filter(r -> r.get(2).startsWith("odd"))
                .findFirst()
                .orElseThrow();
        assertEquals("odd, \"quoted\" model", odd.get(2), "RFC 4180 quoting survives a round trip");
        List<String> row5 = rows.get(6);
        assertEquals(one.getString("created_at"), row5.get(4), "timestamps as in the job view");
        assertEquals(one.getJsonNumber("estimated_cost").bigDecimalValue(), new BigDecimal(row5.get(11)));

        Api.get("/v1/jobs/export?format=xml", client).expectError(400, "INVALID_PARAMETER");
        assertEquals(
                "[]",
                Api.get("/v1/jobs/export?format=json&status=failed", client)
                        .expect(200)
                        .body());
        assertEquals(
                1,
                parseCsv(Api.get("/v1/jobs/export?format=csv&status=failed", client)
                                .body())
                        .size());
    }

    /**
     * Line breaks in CSV cells: a model may no longer hold one (issue 14: control characters in
     * names are 422), so the round trip of a quoted line break is checked on an error message,
     * the free text that keeps them.
     */
    @Test
    void csvQuotingKeepsLineBreaksOfErrorMessages() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.post("/v1/jobs", client, "{\"model\":\"odd\\nmodel\"}").expectError(422, "VALIDATION_FAILED");
        Api.register(minerKey, miner, region, 1);
        String job = Api.submit(client, region);
        assertEquals(job, Api.poll(minerKey, miner, 2));
        Api.post(
                        "/v1/miners/" + job + "/fail?miner_id=" + miner,
                        minerKey,
                        "{\"error_code\":\"OOM\",\"error_message\":\"odd, \\\"quoted\\\"\\nmessage\"}")
                .expect(200);
        List<List<String>> rows = parseCsv(
                Api.get("/v1/jobs/export?format=csv", client).expect(200).body());
        int column = rows.get(0).indexOf("error_message");
        assertEquals(2, rows.size(), "a header and the one job");
        assertEquals("odd, \"quoted\"\nmessage", rows.get(1).get(column), "RFC 4180 quoting survives a round trip");
    }

    @Test
    void statisticsAndCostsMatchJobsInKnownStates() {
        String client = Api.client();
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String miner = region + "-m";
        Api.register(minerKey, miner, region, 10);
        JsonObject empty = Api.get("/v1/jobs/stats", client).expect(200).json();
        assertEquals(0, empty.getInt("total_jobs"));
        assertEquals(
                Set.of("pending", "assigned", "running", "canceling", "completed", "failed", "canceled"),
                empty.getJsonObject("by_status").keySet());
        assertEquals(JsonValue.NULL, empty.get("success_rate"));

        // Two completed A100×2 urgent jobs, one failed after running, one canceled while pending, one pending.
        String body =
                "{\"model\":\"gpt2\",\"priority\":\"urgent\",\"requirements\":{\"gpu_type\":\"a100\",\"gpu_count\":1,"
                        + "\"region\":\"" + region + "\"}}";
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(Api.post("/v1/jobs", client, body).expect(201).str("job_id"));
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(ids.get(i), Api.poll(minerKey, miner, 1));
            Api.post("/v1/miners/" + ids.get(i) + "/start?miner_id=" + miner, minerKey, null)
                    .expect(200);
        }
        Api.sleep(2100);
        Api.post("/v1/miners/" + ids.get(0) + "/result?miner_id=" + miner, minerKey, "{\"result\":{}}")
                .expect(200);
        Api.sleep(1000);
        Api.post("/v1/miners/" + ids.get(1) + "/result?miner_id=" + miner, minerKey, "{\"result\":{}}")
                .expect(200);
        Api.post("/v1/miners/" + ids.get(2) + "/fail?miner_id=" + miner, minerKey, "{\"error_code\":\"OOM\"}")
                .expect(200);
        JsonObject canceled =
                Api.delete("/v1/jobs/" + ids.get(3), client).expect(200).json();
        assertEquals(0, canceled.getJsonNumber("cost").bigDecimalValue().signum(), "a pending cancel costs nothing");

        BigDecimal spent = BigDecimal.ZERO;
        long completedSeconds = 0;
        for (int i = 0; i < 3; i++) {
            JsonObject j = Api.job(client, ids.get(i));
            long ran = (Instant.parse(j.getString("completed_at")).toEpochMilli()
                            - Instant.parse(j.getString("started_at")).toEpochMilli())
                    / 1000;
            // A100 0.10 per GPU-hour × 1 GPU × urgent 2.0, rounded half-up to 6 places.
            BigDecimal expected = new BigDecimal("0.10")
                    .multiply(BigDecimal.valueOf(ran))
                    .multiply(new BigDecimal("2.0"))
                    .divide(BigDecimal.valueOf(3600), 6, RoundingMode.HALF_UP);
            assertEquals(expected, j.getJsonNumber("cost").bigDecimalValue(), "cost of " + j);
            assertTrue(ran >= 2, "ran " + ran + " s");
            spent = spent.add(expected);
            if (i < 2) {
                completedSeconds += ran;
            }
        }
        JsonObject stats = Api.get("/v1/jobs/stats", client).expect(200).json();
        assertEquals(5, stats.getInt("total_jobs"));
        JsonObject by = stats.getJsonObject("by_status");
        assertEquals(2, by.getInt("completed"));
        assertEquals(1, by.getInt("failed"));
        assertEquals(1, by.getInt("canceled"));
        assertEquals(1, by.getInt("pending"));
        assertEquals(0, by.getInt("running"));
        assertEquals(0.5, stats.getJsonNumber("success_rate").doubleValue(), 1e-9, "2 of 4 ended jobs completed");
        assertEquals(
                completedSeconds / 2.0,
                stats.getJsonNumber("average_completion_seconds").doubleValue(),
                1e-9);
        assertEquals(0, spent.compareTo(stats.getJsonNumber("total_spent").bigDecimalValue()));
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        JsonObject ranged = Api.get("/v1/jobs/stats?from=" + today + "&to=" + today, client)
                .expect(200)
                .json();
        assertEquals(5, ranged.getInt("total_jobs"));
        assertEquals(today, ranged.getString("from"));
        JsonObject none = Api.get(
                        "/v1/jobs/stats?to=" + LocalDate.now(ZoneOffset.UTC).minusDays(1), client)
                .json();
        assertEquals(0, none.getInt("total_jobs"));
        assertTrue(none.isNull("success_rate"), "no job ended in that range");
        // An admin's statistics include this client's jobs.
        assertTrue(Api.get("/v1/jobs/stats", Api.ADMIN_KEY).expect(200).json().getInt("total_jobs") >= 5);
        Api.get("/v1/jobs/stats?from=someday", client).expectError(400, "INVALID_PARAMETER");
    }

    /** A small RFC 4180 reader: quoted fields, doubled quotes, CRLF between records. */
    static List<List<String>> parseCsv(String text) {
        List<List<String>> rows = new ArrayList<>();
        List<String> row = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == ',') {
                row.add(field.toString());
                field.setLength(0);
            } else if (c == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                row.add(field.toString());
                field.setLength(0);
                rows.add(row);
                row = new ArrayList<>();
                i++;
            } else {
                field.append(c);
            }
        }
        if (!row.isEmpty() || field.length() > 0) {
            row.add(field.toString());
            rows.add(row);
        }
        return rows;
    }

    static Set<String> ids(JsonArray a) {
        Set<String> s = new LinkedHashSet<>();
        a.forEach(v -> s.add(v.asJsonObject().getString("job_id")));
        return s;
    }
}
