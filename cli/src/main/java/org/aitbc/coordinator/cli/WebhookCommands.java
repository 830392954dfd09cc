package org.aitbc.coordinator.cli;

import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import java.io.PrintStream;
import java.util.List;
import org.aitbc.coordinator.wire.DeliveryList;
import org.aitbc.coordinator.wire.DeliveryView;
import org.aitbc.coordinator.wire.WebhookList;
import org.aitbc.coordinator.wire.WebhookView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code aitbc client webhook add|list|remove|deliveries}: a client's webhooks (docs/WEBHOOKS.md).
 * {@code add} prints the signing secret, which the server shows only in that one answer.
 */
@Command(
        name = "webhook",
        mixinStandardHelpOptions = true,
        description = "Register, list and remove webhooks; show their deliveries.",
        subcommands = {
            WebhookCommands.Add.class,
            WebhookCommands.ListHooks.class,
            WebhookCommands.Remove.class,
            WebhookCommands.Deliveries.class
        })
final class WebhookCommands {
    @ParentCommand
    ClientCommands parent;

    /** What the webhook subcommands share: the root's streams, HTTP access and {@code --json}. */
    abstract static class Sub implements Runnable {
        @ParentCommand
        WebhookCommands group;

        PrintStream out() {
            return group.parent.root.out;
        }

        Http http() {
            return group.parent.root.http();
        }

        boolean printedAsJson(String body) {
            if (group.parent.root.json) {
                out().println(body);
            }
            return group.parent.root.json;
        }
    }

    @Command(name = "add", mixinStandardHelpOptions = true, description = "Register a webhook; prints its secret once.")
    static class Add extends Sub {
        // Positional: --url is the root's option (the coordinator's address), inherited by every command.
        @Parameters(index = "0", paramLabel = "URL", description = "https URL that receives the events")
        String url;

        @Option(
                names = "--events",
                split = ",",
                defaultValue = "job.completed,job.failed,job.canceled",
                description = "Comma-separated: job.completed, job.failed, job.canceled, job.status, job.progress"
                        + " (default: the three ends)")
        List<String> events;

        @Option(names = "--job-id", description = "Only this job's events")
        String jobId;

        @Override
        public void run() {
            JsonArrayBuilder names = Json.createArrayBuilder();
            events.forEach(e -> names.add(e.trim()));
            JsonObjectBuilder b = Json.createObjectBuilder().add("url", url).add("events", names);
            if (jobId != null) {
                b.add("job_id", jobId);
            }
            String body = http().send("POST", "/v1/webhooks", b.build().toString());
            if (printedAsJson(body)) {
                return;
            }
            WebhookView w = Http.JSONB.fromJson(body, WebhookView.class);
            out().println("Webhook " + w.webhookId() + " → " + w.url() + " (" + String.join(", ", w.events()) + ")");
            out().println("Signing secret (shown only now; keep it): " + w.secret());
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List your webhooks.")
    static class ListHooks extends Sub {
        @Override
        public void run() {
            String body = http().send("GET", "/v1/webhooks", null);
            if (printedAsJson(body)) {
                return;
            }
            List<WebhookView> hooks =
                    Http.JSONB.fromJson(body, WebhookList.class).webhooks();
            out().printf("%-22s %-30s %-40s %s%n", "WEBHOOK ID", "JOB", "EVENTS", "URL");
            for (WebhookView w : hooks) {
                out().printf(
                                "%-22s %-30s %-40s %s%n",
                                w.webhookId(),
                                w.jobId() == null ? "(all jobs)" : w.jobId(),
                                String.join(",", w.events()),
                                w.url());
            }
            out().println(hooks.size() + " webhooks");
        }
    }

    @Command(name = "remove", mixinStandardHelpOptions = true, description = "Remove a webhook.")
    static class Remove extends Sub {
        @Option(names = "--id", required = true, description = "The webhook id (whk_...)")
        String id;

        @Override
        public void run() {
            String body = http().send("DELETE", "/v1/webhooks/" + Http.q(id), null);
            if (!printedAsJson(body)) {
                out().println("Webhook " + id + " removed");
            }
        }
    }

    @Command(
            name = "deliveries",
            mixinStandardHelpOptions = true,
            description = "A webhook's deliveries, newest first, with each attempt's answer.")
    static class Deliveries extends Sub {
        @Option(names = "--id", required = true, description = "The webhook id (whk_...)")
        String id;

        @Option(names = "--limit", defaultValue = "20", description = "At most this many deliveries (1-500)")
        int limit;

        @Option(names = "--redeliver", description = "Send this delivery id again first")
        Long redeliver;

        @Override
        public void run() {
            String path = "/v1/webhooks/" + Http.q(id) + "/deliveries";
            if (redeliver != null) {
                http().send("POST", path + "/" + redeliver + "/redeliver", null);
            }
            String body = http().send("GET", Http.query(path, "limit", limit), null);
            if (printedAsJson(body)) {
                return;
            }
            List<DeliveryView> ds =
                    Http.JSONB.fromJson(body, DeliveryList.class).deliveries();
            out().printf(
                            "%-8s %-30s %-9s %-14s %-10s %-8s %s%n",
                            "ID", "JOB", "EVENT ID", "EVENT", "STATUS", "TRIES", "LAST ANSWER");
            for (DeliveryView d : ds) {
                String last = "";
                if (!d.attempts().isEmpty()) {
                    DeliveryView.Attempt a = d.attempts().get(d.attempts().size() - 1);
                    last = (a.statusCode() == null ? "no answer" : "HTTP " + a.statusCode())
                            + (a.answer() == null ? "" : ": " + a.answer().replaceAll("\\s+", " "));
                }
                if (d.reason() != null) {
                    last = d.reason();
                }
                out().printf(
                                "%-8d %-30s %-9d %-14s %-10s %-8d %s%n",
                                d.deliveryId(), d.jobId(), d.eventId(), d.event(), d.status(), d.attemptCount(), last);
            }
            out().println(ds.size() + " deliveries");
        }
    }
}
