package org.aitbc.coordinator.cli;

import org.aitbc.coordinator.wire.EventList;
import org.aitbc.coordinator.wire.EventView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Following a job: {@code aitbc client status} (once) and {@code watch} (live until it ends), over
 * the WebSocket feed ({@link FeedWatch}) with polling the events as the fallback.
 */
final class FollowCommands {
    private FollowCommands() {}

    @Command(name = "status", mixinStandardHelpOptions = true, description = "A job's status and progress.")
    static class Status extends ClientCommand.OneJob {
        @Override
        public void run() {
            printJob(false);
        }
    }

    @Command(
            name = "watch",
            mixinStandardHelpOptions = true,
            description = "Follow a job live until it ends. Exit 0 when it completes, 1 when it fails or is canceled.")
    static class Watch extends ClientCommand.OneJob {
        @Option(
                names = "--interval-ms",
                defaultValue = "1000",
                description = "When polling: how often to ask for new events")
        long intervalMs;

        @Option(names = "--poll", description = "Poll for events instead of using the live WebSocket feed")
        boolean poll;

        @Override
        public void run() {
            requireCompleted(poll ? poll(this, jobId, 0) : follow(this, jobId), jobId);
        }
    }

    /** Follows the job to its end (submit --wait); fails with the exit code of its final status unless it completed. */
    static void followToCompletion(ClientCommand cmd, String jobId) {
        requireCompleted(follow(cmd, jobId), jobId);
    }

    private static void requireCompleted(int code, String jobId) {
        if (code != Aitbc.EXIT_OK) {
            throw new CliException(code, "job " + jobId + " did not complete");
        }
    }

    /**
     * Follows the job's events from the first on, resuming after the last one seen when a
     * request fails, until the job ends; returns the exit code for its final status.
     */
    static int follow(ClientCommand cmd, String jobId) {
        long[] last = {0};
        Integer ended = FeedWatch.follow(cmd, jobId, last);
        if (ended != null) {
            return ended;
        }
        if (!cmd.json()) {
            cmd.root().err.println("aitbc: the live feed is unavailable; following by polling");
        }
        return poll(cmd, jobId, last[0]);
    }

    /** Shows one event; returns the exit code when it is the job's final status, else null. */
    static Integer show(ClientCommand cmd, EventView e, boolean tty) {
        String message = e.message() == null ? "" : " " + e.message();
        if (cmd.json()) {
            cmd.out().println(Http.JSONB.toJson(e));
        } else if (tty) {
            cmd.out().print("\r" + Format.bar(e.progress()) + " " + e.status() + message);
            if (!"progress".equals(e.type())) {
                cmd.out().println();
            }
        } else {
            cmd.out().println(e.at() + " " + e.status() + " " + e.progress() + "%" + message);
        }
        cmd.out().flush();
        return switch (e.status()) {
            case "completed" -> Aitbc.EXIT_OK;
            case "failed", "canceled" -> Aitbc.EXIT_JOB_FAILED;
            default -> null;
        };
    }

    /** Follows by asking for the events after the last one seen, until the job ends. */
    static int poll(ClientCommand cmd, String jobId, long after) {
        boolean tty = System.console() != null && !cmd.json();
        int failures = 0;
        long interval = cmd instanceof Watch w ? w.intervalMs : 1000;
        while (true) {
            EventList events;
            try {
                events = cmd.http()
                        .send(
                                "GET",
                                Http.query("/v1/jobs/" + Http.q(jobId) + "/events", "after", after),
                                null,
                                EventList.class);
                failures = 0;
            } catch (CliException e) {
                if (e.exitCode != Aitbc.EXIT_NETWORK || ++failures > 30) {
                    throw e;
                }
                Aitbc.sleep(1000);
                continue;
            }
            for (EventView e : events.events()) {
                after = e.eventId();
                Integer ended = show(cmd, e, tty);
                if (ended != null) {
                    return ended;
                }
            }
            Aitbc.sleep(interval);
        }
    }
}
