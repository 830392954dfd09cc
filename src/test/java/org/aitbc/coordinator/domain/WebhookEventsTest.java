package org.aitbc.coordinator.domain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class WebhookEventsTest {
    private static final Instant T0 = Instant.parse("2026-02-13T10:00:00Z");

    /** pending, assigned, running, progress, completed: a whole run's events. */
    private static List<JobEvent> run() {
        Job j = JobTest.job(3600, 900);
        j.assign("m1", T0.plusSeconds(10), T0.plusSeconds(70));
        j.start(T0.plusSeconds(20));
        j.reportProgress(50, "half", null, T0.plusSeconds(920));
        j.complete("{}", null, T0.plusSeconds(1820));
        return j.drainEvents();
    }

    @Test
    void eachEventIsTheMostSpecificNameTheWebhookAskedFor() {
        List<JobEvent> events = run();
        Set<String> all = Set.copyOf(WebhookEvents.ALL);
        assertEquals(
                List.of("job.status", "job.status", "job.status", "job.progress", "job.completed"),
                events.stream().map(e -> WebhookEvents.match(e, all)).toList());
        assertEquals(
                List.of("job.status", "job.status", "job.status", "job.status"),
                events.stream()
                        .map(e -> WebhookEvents.match(e, Set.of(WebhookEvents.STATUS)))
                        .filter(n -> n != null)
                        .toList());
        List<String> ends = events.stream()
                .map(e -> WebhookEvents.match(e, WebhookEvents.ENDS))
                .filter(n -> n != null)
                .toList();
        assertEquals(List.of("job.completed"), ends);
        assertNull(WebhookEvents.match(events.get(4), Set.of(WebhookEvents.FAILED, WebhookEvents.PROGRESS)));
    }

    @Test
    void aWebhookFollowsOnlyItsClientsJobsAndItsOneJob() {
        JobEvent e = run().get(0);
        Set<String> any = Set.of(WebhookEvents.STATUS);
        assertTrue(new Webhook("w1", "client_1", "https://x", any, null, "v1:x", T0).follows(e));
        assertTrue(new Webhook("w2", "client_1", "https://x", any, "job_test", "v1:x", T0).follows(e));
        assertFalse(new Webhook("w3", "client_1", "https://x", any, "job_other", "v1:x", T0).follows(e));
        assertFalse(new Webhook("w4", "client_2", "https://x", any, null, "v1:x", T0).follows(e));
        assertEquals(
                List.of("job.completed", "job.status"),
                List.copyOf(new Webhook(
                                "w5",
                                "client_1",
                                "https://x",
                                Set.of(WebhookEvents.STATUS, WebhookEvents.COMPLETED),
                                null,
                                "v1:x",
                                T0)
                        .getEvents()),
                "kept in the documented order");
    }
}
