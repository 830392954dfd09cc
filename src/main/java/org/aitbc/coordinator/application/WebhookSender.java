package org.aitbc.coordinator.application;

import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.enterprise.concurrent.ManagedExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.webhooks.WebhookHttp;
import org.aitbc.coordinator.infrastructure.webhooks.WebhookSignature;
import org.aitbc.coordinator.infrastructure.webhooks.WebhookUrls;

/**
 * Sends due webhook deliveries from this server. Each {@link #tick()} (the timer's, or right
 * after a delivery succeeded, so a job's next event follows at once) claims what this server has
 * room for and posts each on a managed thread: at most {@code aitbc.webhooks.concurrency.total}
 * in flight, and at most {@code aitbc.webhooks.concurrency.per.webhook} to one webhook, so a slow
 * or dead receiver ties up only its own share while others' deliveries go on. Nothing here runs
 * on a request thread, and everything it owes is in the database: a stop or crash loses nothing
 * (a crashed server's claims run out and another try follows).
 */
@ApplicationScoped
public class WebhookSender {
    private static final Logger LOG = Logger.getLogger(WebhookSender.class.getName());
    private static final int RECORD_TRIES = 4;

    @EJB
    WebhookService service;

    @Inject
    WebhookHttp http;

    @Inject
    CoordinatorConfig config;

    @Resource
    ManagedExecutorService executor;

    /** Names this server's claims; new at every start, so that no claim outlives its process. */
    private final String server = "srv-" + UUID.randomUUID();

    private final Map<String, AtomicInteger> perWebhook = new ConcurrentHashMap<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicBoolean ticking = new AtomicBoolean();
    private volatile boolean stopped;

    /** Claims and starts what is due; a tick already running makes this one a no-op. */
    public void tick() {
        if (stopped || !ticking.compareAndSet(false, true)) {
            return;
        }
        try {
            int room = config.webhooksConcurrencyTotal() - inFlight.get();
            if (room <= 0) {
                return;
            }
            Map<String, Integer> busy = new HashMap<>();
            perWebhook.forEach((id, n) -> {
                if (n.get() > 0) {
                    busy.put(id, n.get());
                }
            });
            List<WebhookService.Due> due = service.claimDue(server, room, busy, config.webhooksConcurrencyPerWebhook());
            for (WebhookService.Due d : due) {
                start(d);
            }
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "webhook sender: claiming due deliveries failed; the next tick tries again", e);
        } finally {
            ticking.set(false);
        }
    }

    private void start(WebhookService.Due d) {
        AtomicInteger mine = perWebhook.computeIfAbsent(d.webhookId(), k -> new AtomicInteger());
        mine.incrementAndGet();
        inFlight.incrementAndGet();
        try {
            executor.execute(() -> {
                boolean delivered = false;
                try {
                    delivered = send(d);
                } catch (RuntimeException e) {
                    // Recording failed: the claim runs out and the delivery is tried again.
                    LOG.log(Level.WARNING, "webhook delivery " + d.deliveryId() + " could not be recorded", e);
                } finally {
                    mine.decrementAndGet();
                    inFlight.decrementAndGet();
                }
                if (delivered) {
                    tick();
                }
            });
        } catch (RejectedExecutionException e) {
            mine.decrementAndGet();
            inFlight.decrementAndGet();
        }
    }

    private boolean send(WebhookService.Due d) {
        // Checked again at each try: the host may point elsewhere now than when it was registered.
        String refused = WebhookUrls.problem(d.url(), config.webhooksAllowedHosts(), WebhookUrls.DNS);
        WebhookHttp.Answer answer;
        if (refused != null) {
            answer = new WebhookHttp.Answer(null, "not sent: the URL " + refused, 0);
        } else {
            long t = System.currentTimeMillis() / 1000;
            answer = http.post(
                    d.url(), d.body(), WebhookSignature.header(d.secret(), t, d.body()), d.eventId(), d.webhookId());
        }
        record(d, answer);
        return answer.delivered();
    }

    /**
     * Records the answer, trying again when the transaction lost a lock race (embedded Derby
     * times out lock waits under concurrent sends). If it cannot be recorded at all, the claim is
     * given back so the delivery is sent again soon (at least once) instead of when the claim
     * runs out, which would hold up the job's later events.
     */
    private void record(WebhookService.Due d, WebhookHttp.Answer answer) {
        RuntimeException last = null;
        for (int i = 0; i < RECORD_TRIES; i++) {
            try {
                service.attempted(d.deliveryId(), answer.statusCode(), answer.text(), answer.durationMs());
                return;
            } catch (RuntimeException e) {
                last = e;
                sleep(100L << i);
            }
        }
        try {
            service.unclaim(d.deliveryId(), server);
        } catch (RuntimeException e) {
            last.addSuppressed(e);
        }
        throw last;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Stops claiming and gives this server's claims back (called when the application stops). */
    public void stop() {
        stopped = true;
        try {
            service.release(server);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "webhook claims not released at stop; they run out by themselves", e);
        }
    }
}
