package org.aitbc.coordinator.it.marketplace;

import static org.aitbc.coordinator.it.support.Api.get;
import static org.aitbc.coordinator.it.support.Api.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import jakarta.json.JsonValue;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * Listing speaks the older marketplace dialect too (issue 13, item 7): offset paging gives the
 * same jobs in the same order as cursor paging, upper-case legacy statuses and job_type filter.
 */
public class LegacyListingIT {
    private static final int JOBS = 300;
    private static final int TRANSCRIBE = 100;

    private static List<String> ids(JsonObject page, String key) {
        List<String> out = new ArrayList<>();
        for (JsonValue v : page.getJsonArray(key)) {
            out.add(v.asJsonObject().getString("job_id"));
        }
        return out;
    }

    @Test
    void offsetPagingMatchesCursorPagingAndLegacyFiltersApply() {
        String client = Api.client();
        String region = Api.uniqueRegion();
        Set<String> transcribe = new HashSet<>();
        for (int batch = 0; batch < JOBS / 100; batch++) {
            StringBuilder body = new StringBuilder("[");
            for (int i = 0; i < 100; i++) {
                boolean legacy = batch == 0;
                body.append(i == 0 ? "" : ",")
                        .append(
                                legacy
                                        ? "{\"payload\":{\"type\":\"transcribe\",\"model\":\"whisper\",\"audio\":\"a\"},"
                                                + "\"constraints\":{\"region\":\"" + region + "\"}}"
                                        : "{\"model\":\"gpt2\",\"input\":\"x\",\"requirements\":{\"region\":\"" + region
                                                + "\"}}");
            }
            body.append("]");
            for (JsonValue v :
                    post("/v1/jobs/batch", client, body.toString()).expect(201).array("jobs")) {
                if (batch == 0) {
                    transcribe.add(v.asJsonObject().getString("job_id"));
                }
            }
        }

        List<String> byCursor = new ArrayList<>();
        String cursor = null;
        do {
            JsonObject page = get("/v1/jobs?limit=25" + (cursor == null ? "" : "&cursor=" + cursor), client)
                    .expect(200)
                    .json();
            assertFalse(page.containsKey("items"), "a cursor page keeps the current shape");
            byCursor.addAll(ids(page, "jobs"));
            cursor = page.isNull("next_cursor") ? null : page.getString("next_cursor");
        } while (cursor != null);
        assertEquals(JOBS, byCursor.size());

        List<String> byOffset = new ArrayList<>();
        for (int offset = 0; ; offset += 25) {
            JsonObject page = get("/v1/jobs?limit=25&offset=" + offset, client)
                    .expect(200)
                    .json();
            assertEquals(ids(page, "jobs"), ids(page, "items"));
            assertEquals(25, page.getInt("limit"));
            assertEquals(offset, page.getInt("offset"));
            assertEquals(JOBS, page.getInt("total"));
            List<String> got = ids(page, "jobs");
            if (got.isEmpty()) {
                break;
            }
            byOffset.addAll(got);
            assertEquals(byOffset.size() < JOBS, page.getBoolean("has_more"));
        }
        assertEquals(byCursor, byOffset, "offset paging: the same jobs in the same order as cursor paging");

        // job_type filters on payload.type, with either paging.
        JsonObject typed = get("/v1/jobs?job_type=transcribe&limit=1000", client)
                .expect(200)
                .json();
        assertEquals(TRANSCRIBE, typed.getInt("total"));
        assertEquals(transcribe, new HashSet<>(ids(typed, "jobs")));
        JsonObject typedPage = get("/v1/jobs?job_type=transcribe&limit=10&offset=95", client)
                .expect(200)
                .json();
        assertEquals(5, typedPage.getJsonArray("items").size());
        assertTrue(transcribe.containsAll(ids(typedPage, "items")));
        assertEquals(
                JOBS - TRANSCRIBE,
                get("/v1/jobs?job_type=inference", client).expect(200).json().getInt("total"));
        assertEquals(
                0, get("/v1/jobs?job_type=training", client).expect(200).json().getInt("total"));

        // Upper-case legacy statuses, as the view's state field shows them.
        assertEquals(
                JOBS, get("/v1/jobs?status=QUEUED", client).expect(200).json().getInt("total"));
        String miner = Api.miner();
        Api.register(miner, "lister-" + region, region, 1);
        String claimed = Api.poll(miner, "lister-" + region, 5);
        assertEquals(
                List.of(claimed),
                ids(get("/v1/jobs?status=RUNNING", client).expect(200).json(), "jobs"),
                "RUNNING covers an assigned job");
        assertEquals(
                0, get("/v1/jobs?status=running", client).expect(200).json().getInt("total"));
        assertEquals(
                JOBS - 1,
                get("/v1/jobs?status=QUEUED&limit=5", client).expect(200).json().getInt("total"));
        assertEquals(
                JOBS - 1,
                get("/v1/jobs/history?status=" + URLEncoder.encode("QUEUED,COMPLETED", StandardCharsets.UTF_8), client)
                        .expect(200)
                        .json()
                        .getInt("total"));

        // Bounds: past 10,000 points to the cursor; not both; bad values named.
        String deep = get("/v1/jobs?offset=10001", client)
                .expectError(400, "INVALID_PARAMETER")
                .body();
        assertTrue(deep.contains("cursor"), deep);
        get("/v1/jobs?offset=10000", client).expect(200);
        get("/v1/jobs?offset=5&cursor=" + byCursor.get(0), client).expectError(400, "INVALID_PARAMETER");
        get("/v1/jobs?offset=-1", client).expectError(400, "INVALID_PARAMETER");
        get("/v1/jobs?status=BOGUS", client).expectError(400, "INVALID_PARAMETER");
    }
}
