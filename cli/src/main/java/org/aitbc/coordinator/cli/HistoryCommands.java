package org.aitbc.coordinator.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.aitbc.coordinator.wire.AccountSummary;
import org.aitbc.coordinator.wire.DailyJobStats;
import org.aitbc.coordinator.wire.JobList;
import org.aitbc.coordinator.wire.JobStats;
import org.aitbc.coordinator.wire.JobView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The job history: {@code aitbc client get}, {@code list}, {@code export} and {@code stats}. */
final class HistoryCommands {
    private HistoryCommands() {}

    @Command(
            name = "get",
            mixinStandardHelpOptions = true,
            description = "Everything about a job: times, costs, result.")
    static class Get extends ClientCommand.OneJob {
        @Override
        public void run() {
            printJob(true);
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List jobs, newest first.")
    static class ListJobs extends ClientCommand {
        @Option(names = "--status", description = "One or several, comma-separated: pending, running, completed, ...")
        String status;

        @Option(names = "--days", description = "Only jobs of the last N days")
        Integer days;

        @Option(names = "--from", description = "From this UTC date (YYYY-MM-DD), inclusive")
        String from;

        @Option(names = "--to", description = "To this UTC date (YYYY-MM-DD), inclusive")
        String to;

        @Option(names = "--limit", defaultValue = "20", description = "At most this many jobs")
        int limit;

        @Override
        public void run() {
            String body = http().send(
                            "GET",
                            Http.query(
                                    "/v1/jobs", "limit", limit, "status", status, "days", days, "from", from, "to", to),
                            null);
            if (printedAsJson(body)) {
                return;
            }
            JobList list = Http.JSONB.fromJson(body, JobList.class);
            out().printf("%-30s %-10s %5s %-16s %-25s %s%n", "JOB ID", "STATUS", "PROG", "MODEL", "CREATED", "COST");
            for (JobView j : list.jobs()) {
                out().printf(
                                "%-30s %-10s %4d%% %-16s %-25s %s%n",
                                j.jobId(),
                                j.status(),
                                j.progress(),
                                Format.or(j.model()),
                                j.createdAt(),
                                Format.money(j.cost() != null ? j.cost() : j.estimatedCost()));
            }
            out().println(list.jobs().size() + " of " + list.total() + " jobs"
                    + (list.hasMore() ? " (more with --limit)" : ""));
        }
    }

    @Command(
            name = "export",
            mixinStandardHelpOptions = true,
            description = "Export the job history to a file, streamed.")
    static class Export extends ClientCommand {
        @Option(names = "--format", defaultValue = "json", description = "json or csv")
        String format;

        @Option(names = "--output", required = true, description = "The file to write")
        Path output;

        @Option(names = "--status")
        String status;

        @Mixin
        ClientCommand.Dates dates;

        @Override
        public void run() {
            String q = Http.query(
                    "/v1/jobs/export", "format", format, "status", status, "from", dates.from, "to", dates.to);
            try (InputStream in = http().stream(q);
                    OutputStream file = Files.newOutputStream(output)) {
                long n = in.transferTo(file);
                if (json()) {
                    out().println("{\"output\":\"" + output + "\",\"bytes\":" + n + "}");
                } else {
                    out().println("Exported to " + output + " (" + n + " bytes)");
                }
            } catch (IOException e) {
                throw new CliException(Aitbc.EXIT_NETWORK, "export to " + output + " failed: " + e.getMessage());
            }
        }
    }

    @Command(
            name = "stats",
            mixinStandardHelpOptions = true,
            description = "Jobs submitted, success rate, average completion time, total spent.")
    static class Stats extends ClientCommand {
        @Mixin
        ClientCommand.Dates dates;

        @Option(
                names = "--daily",
                description = "One line per UTC day (from /v1/jobs/stats/daily): ended jobs by status and spend.")
        boolean daily;

        @Override
        public void run() {
            if (daily) {
                printDaily();
                return;
            }
            String body = http().send("GET", Http.query("/v1/jobs/stats", "from", dates.from, "to", dates.to), null);
            if (printedAsJson(body)) {
                return;
            }
            JobStats s = Http.JSONB.fromJson(body, JobStats.class);
            out().println("Total jobs submitted:    " + s.totalJobs());
            out().println("Success rate:            "
                    + (s.successRate() == null ? "-" : String.format("%.1f%%", s.successRate() * 100)));
            out().println("Average completion time: "
                    + (s.averageCompletionSeconds() == null
                            ? "-"
                            : String.format("%.1f s", s.averageCompletionSeconds())));
            out().println("Total spent:             " + Format.money(s.totalSpent()));
            out().println("By status:               " + s.byStatus());
            printMonth();
        }

        /** The month's budget and spending of the caller's account, from {@code GET /v1/account}. */
        private void printMonth() {
            AccountSummary a;
            try {
                a = http().send("GET", "/v1/account", null, AccountSummary.class);
            } catch (CliException e) {
                // A coordinator without the account route (or an admin key): stats stand alone.
                return;
            }
            if (a == null || a.budget() == null) {
                return;
            }
            AccountSummary.Budget b = a.budget();
            out().println("Monthly budget (" + b.month() + "): "
                    + (b.monthly() == null ? "none" : Format.money(b.monthly()) + " (" + b.source() + ")"));
            out().println("Spent this month:        " + Format.money(b.spent()));
            out().println("Committed this month:    " + Format.money(b.committed()));
            out().println("Left this month:         " + (b.remaining() == null ? "-" : Format.money(b.remaining())));
        }

        private void printDaily() {
            String body =
                    http().send("GET", Http.query("/v1/jobs/stats/daily", "from", dates.from, "to", dates.to), null);
            if (printedAsJson(body)) {
                return;
            }
            DailyJobStats d = Http.JSONB.fromJson(body, DailyJobStats.class);
            out().printf("%-10s %6s %9s %6s %8s %14s%n", "date", "jobs", "completed", "failed", "canceled", "spent");
            for (DailyJobStats.Day day : d.days()) {
                out().printf(
                                "%-10s %6d %9d %6d %8d %14s%n",
                                day.date(),
                                day.totalJobs(),
                                day.byStatus().getOrDefault("completed", 0L),
                                day.byStatus().getOrDefault("failed", 0L),
                                day.byStatus().getOrDefault("canceled", 0L),
                                Format.money(day.spent()));
            }
        }
    }
}
