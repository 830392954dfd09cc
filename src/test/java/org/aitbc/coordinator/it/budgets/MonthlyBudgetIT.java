package org.aitbc.coordinator.it.budgets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.json.JsonObject;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.aitbc.coordinator.cli.Aitbc;
import org.aitbc.coordinator.it.support.Api;
import org.junit.jupiter.api.Test;

/**
 * A monthly budget per account: a submission that would take the month's committed spend (ended
 * jobs' cost + active jobs' estimates) past it is 402 {@code BUDGET_EXCEEDED}; once a job ends
 * under its estimate, the room comes back. A gpt2 job on the default rate is estimated at
 * 0.05 × 60/3600 = 0.000833.
 */
public class MonthlyBudgetIT {
    private static final BigDecimal ESTIMATE = new BigDecimal("0.000833");

    private static String clientId(String key) {
        return Api.get("/v1/account", key).expect(200).str("account_id");
    }

    private static BigDecimal money(JsonObject o, String key) {
        return o.getJsonNumber(key).bigDecimalValue();
    }

    @Test
    void theBudgetRefusesTheSubmissionThatWouldExceedItAndAcceptsItAfterAJobEndsUnderItsEstimate() {
        String client = Api.client();
        String id = clientId(client);
        String minerKey = Api.miner();
        String region = Api.uniqueRegion();
        String body = "{\"model\":\"gpt2\",\"input\":\"hi\",\"requirements\":{\"region\":\"" + region + "\"}}";

        // The exact body first, then one that leaves room for one job only.
        JsonObject set = Api.call(
                        "PUT",
                        "/v1/admin/accounts/" + id + "/budget",
                        Api.ADMIN_KEY,
                        "{\"monthly\": \"50.00\"}",
                        Map.of())
                .expect(200)
                .json();
        assertEquals(0, new BigDecimal("50").compareTo(money(set.getJsonObject("budget"), "monthly")));
        assertEquals("account", set.getJsonObject("budget").getString("source"));
        Api.call("PUT", "/v1/admin/accounts/" + id + "/budget", Api.ADMIN_KEY, "{\"monthly\":0.0015}", Map.of())
                .expect(200);

        String first = Api.post("/v1/jobs", client, body).expect(201).str("job_id");
        JsonObject budget = Api.get("/v1/account", client).expect(200).json().getJsonObject("budget");
        assertEquals(0, new BigDecimal("0.0015").compareTo(money(budget, "monthly")));
        assertEquals(0, money(budget, "spent").signum());
        assertEquals(0, ESTIMATE.compareTo(money(budget, "committed")), budget.toString());
        assertEquals(0, new BigDecimal("0.000667").compareTo(money(budget, "remaining")), budget.toString());
        assertTrue(budget.getString("month").matches("\\d{4}-\\d{2}"), budget.toString());

        Api.Res refused = Api.post("/v1/jobs", client, body).expectError(402, "BUDGET_EXCEEDED");
        assertEquals(402, refused.json().getJsonObject("error").getInt("status"));
        assertTrue(refused.body().contains("0.000667 is left"), refused.body());
        Api.post("/v1/jobs/batch", client, "[" + body + "]").expectError(402, "BUDGET_EXCEEDED");
        assertEquals(1, Api.get("/v1/jobs", client).expect(200).json().getInt("total"), "nothing else was created");

        // The first job ends under its estimate (it ran no time): its cost, 0, is what counts now.
        String m = region + "-m";
        Api.register(minerKey, m, region, 1);
        assertEquals(first, Api.poll(minerKey, m, 0));
        Api.post("/v1/miners/" + first + "/result?miner_id=" + m, minerKey, "{\"result\":{\"output\":\"ok\"}}")
                .expect(200);
        budget = Api.get("/v1/account", client).expect(200).json().getJsonObject("budget");
        assertEquals(0, money(budget, "committed").signum(), budget.toString());
        String second = Api.post("/v1/jobs", client, body).expect(201).str("job_id");
        assertEquals("pending", Api.job(client, second).getString("status"));

        // aitbc client stats shows the month.
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = Aitbc.run(
                new String[] {"client", "stats"},
                new ByteArrayInputStream(new byte[0]),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                Map.of(
                        "AITBC_URL",
                        Api.BASE,
                        "AITBC_API_KEY",
                        client,
                        "AITBC_CONFIG",
                        System.getProperty("java.io.tmpdir") + "/aitbc-budget-it-"
                                + ProcessHandle.current().pid()));
        String printed = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, printed);
        assertTrue(printed.contains("Monthly budget (") && printed.contains("0.0015 AITBC (account)"), printed);
        assertTrue(printed.contains("Committed this month:    0.000833 AITBC"), printed);
        assertTrue(printed.contains("Left this month:         0.000667 AITBC"), printed);
        Api.delete("/v1/jobs/" + second, client).expect(200);
    }

    @Test
    void budgetsAreSetByAdminsOnClientsWithAnAmountAndRefusedOtherwiseByName() {
        String client = Api.client();
        String id = clientId(client);
        String path = "/v1/admin/accounts/" + id + "/budget";
        for (String bad :
                new String[] {"{\"monthly\":\"abc\"}", "{\"monthly\":-1}", "{}", "{\"monthly\":\"1\",\"x\":1}"}) {
            Api.Res r = Api.call("PUT", path, Api.ADMIN_KEY, bad, Map.of()).expectError(422, "VALIDATION_FAILED");
            assertTrue(r.body().contains("\"field\""), r.body());
        }
        Api.call("PUT", path, client, "{\"monthly\":\"1.00\"}", Map.of()).expect(403);
        Api.call("PUT", "/v1/admin/accounts/client_nobody/budget", Api.ADMIN_KEY, "{\"monthly\":\"1\"}", Map.of())
                .expectError(404, "ACCOUNT_NOT_FOUND");
        String minerAccount = Api.post("/v1/admin/accounts", Api.ADMIN_KEY, "{\"role\":\"miner\"}")
                .expect(201)
                .str("id");
        Api.call(
                        "PUT",
                        "/v1/admin/accounts/" + minerAccount + "/budget",
                        Api.ADMIN_KEY,
                        "{\"monthly\":\"1\"}",
                        Map.of())
                .expectError(409, "INVALID_STATE");
        // null removes the account's own budget: without a plan default, there is none.
        JsonObject none = Api.call("PUT", path, Api.ADMIN_KEY, "{\"monthly\":null}", Map.of())
                .expect(200)
                .json()
                .getJsonObject("budget");
        assertTrue(none.isNull("monthly") && none.isNull("remaining"), none.toString());
        // The account route is a client's (and an admin's, without a budget).
        Api.get("/v1/account", Api.miner()).expect(403);
        JsonObject adminView = Api.get("/v1/account", Api.ADMIN_KEY).expect(200).json();
        assertEquals("admin", adminView.getString("role"));
        assertTrue(adminView.isNull("budget"), "only clients have budgets: " + adminView);
    }
}
