package org.aitbc.coordinator.domain;

import java.util.List;
import java.util.Set;

/**
 * The event names a webhook subscribes to, and which of them a job event is: every status change
 * is {@code job.status}, a change to completed, failed or canceled is also {@code job.completed},
 * {@code job.failed} or {@code job.canceled}, and a progress report is {@code job.progress}.
 */
public final class WebhookEvents {
    public static final String STATUS = "job.status";
    public static final String PROGRESS = "job.progress";
    public static final String COMPLETED = "job.completed";
    public static final String FAILED = "job.failed";
    public static final String CANCELED = "job.canceled";

    /** In the order the documentation lists them. */
    public static final List<String> ALL = List.of(COMPLETED, FAILED, CANCELED, STATUS, PROGRESS);

    /** What a one-job webhook given as {@code callback_url} at submission follows: the job's end. */
    public static final Set<String> ENDS = Set.of(COMPLETED, FAILED, CANCELED);

    private WebhookEvents() {}

    public static boolean known(String name) {
        return ALL.contains(name);
    }

    /** The names this event answers to, the most specific first. */
    public static List<String> of(JobEvent e) {
        if (JobEvent.PROGRESS.equals(e.getType())) {
            return List.of(PROGRESS);
        }
        String end = switch (e.getStatus()) {
            case "completed" -> COMPLETED;
            case "failed" -> FAILED;
            case "canceled" -> CANCELED;
            default -> null;
        };
        return end == null ? List.of(STATUS) : List.of(end, STATUS);
    }

    /** The most specific name of this event that {@code subscribed} holds, or null: the name its delivery carries. */
    public static String match(JobEvent e, Set<String> subscribed) {
        for (String name : of(e)) {
            if (subscribed.contains(name)) {
                return name;
            }
        }
        return null;
    }
}
