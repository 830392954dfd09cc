package org.aitbc.coordinator.application;

import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObject;
import jakarta.json.JsonReader;
import jakarta.json.bind.Jsonb;
import jakarta.json.bind.JsonbBuilder;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import java.io.StringReader;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException.FieldProblem;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Account;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.Webhook;
import org.aitbc.coordinator.domain.WebhookAttempt;
import org.aitbc.coordinator.domain.WebhookDelivery;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.infrastructure.security.Ids;
import org.aitbc.coordinator.infrastructure.webhooks.SecretBox;
import org.aitbc.coordinator.infrastructure.webhooks.WebhookUrls;
import org.aitbc.coordinator.wire.EventView;
import org.aitbc.coordinator.wire.WireJson;

/**
 * Webhooks and their deliveries, one transaction per call: a client registers, lists and
 * removes its webhooks and reads or repeats their deliveries (another client's webhook is "not
 * found", exactly like a missing one); the sender claims due deliveries and records each
 * attempt's answer. Deliveries themselves are recorded with the events they carry
 * (infrastructure/persistence/WebhookOutbox).
 */
@Stateless
public class WebhookService {
    private static final Logger LOG = Logger.getLogger(WebhookService.class.getName());
    private static final Jsonb JSONB = JsonbBuilder.create(WireJson.config());

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    JobRepository jobs;

    @Inject
    SecretBox secrets;

    @Inject
    CoordinatorConfig config;

    /** A new webhook and its signing secret, in the clear for this one answer. */
    public record Created(Webhook webhook, String secret) {}

    /** Deliveries with their attempts, oldest attempt first. */
    public record Deliveries(List<WebhookDelivery> deliveries, Map<Long, List<WebhookAttempt>> attempts) {}

    /** A claimed delivery, ready to sign and send: its body is the event as the feed sends it. */
    public record Due(long deliveryId, String webhookId, String url, String secret, long eventId, String body) {}

    /** The 422 on {@code url} when a webhook may not reach it; the resource checks it before any write. */
    public void checkUrl(String field, String url) {
        String problem = WebhookUrls.problem(url, config.webhooksAllowedHosts(), WebhookUrls.DNS);
        if (problem != null) {
            throw CoordinatorException.validation(List.of(new FieldProblem(field, problem)));
        }
    }

    public Created create(Caller caller, String url, Set<String> events, String jobId) {
        if (jobId != null) {
            Job job = jobs.find(jobId);
            if (job == null || !job.getClientId().equals(caller.accountId())) {
                throw CoordinatorException.jobNotFound(jobId);
            }
        }
        checkUrl("url", url);
        return add(caller.accountId(), url, events, jobId);
    }

    /**
     * The one-job webhook a submission's {@code callback_url} asks for, in the submission's
     * transaction and before its first event, so that the job's end is never missed.
     */
    public Created forJob(String clientId, String jobId, String url) {
        Created created = add(clientId, url, org.aitbc.coordinator.domain.WebhookEvents.ENDS, jobId);
        // Written now: the outbox reads the job's webhooks without flushing the transaction's changes.
        em.flush();
        return created;
    }

    private Created add(String clientId, String url, Set<String> events, String jobId) {
        String secret = "whsec_" + Ids.random("", 40);
        Webhook w =
                new Webhook(Ids.random("whk_", 16), clientId, url, events, jobId, secrets.seal(secret), Instant.now());
        em.persist(w);
        // The URL's path or query may carry a receiver's token: only the host is logged, never the secret.
        LOG.info(() -> "webhook " + w.getId() + " registered by " + clientId + " for "
                + URI.create(url).getHost() + (jobId == null ? "" : " (job " + jobId + ")"));
        return new Created(w, secret);
    }

    public List<Webhook> list(Caller caller) {
        return em.createQuery("SELECT w FROM Webhook w WHERE w.clientId = :c ORDER BY w.createdMs, w.id", Webhook.class)
                .setParameter("c", caller.accountId())
                .getResultList();
    }

    public Webhook get(Caller caller, String id) {
        Webhook w = id == null ? null : em.find(Webhook.class, id);
        if (w == null || !(w.getClientId().equals(caller.accountId()) || caller.isAdmin())) {
            throw new CoordinatorException(Kind.NOT_FOUND, "WEBHOOK_NOT_FOUND", "no webhook " + id);
        }
        return w;
    }

    /** The caller's own webhook, for a change: an operator reads any ({@link #get}), changes none. */
    private Webhook owned(Caller caller, String id) {
        Webhook w = get(caller, id);
        if (!w.getClientId().equals(caller.accountId())) {
            throw new CoordinatorException(Kind.NOT_FOUND, "WEBHOOK_NOT_FOUND", "no webhook " + id);
        }
        return w;
    }

    /** Removes the webhook and what it still owed; nothing more is sent to it. */
    public Webhook delete(Caller caller, String id) {
        Webhook w = owned(caller, id);
        em.createQuery("DELETE FROM WebhookAttempt a WHERE a.deliveryId IN "
                        + "(SELECT d.id FROM WebhookDelivery d WHERE d.webhookId = :w)")
                .setParameter("w", id)
                .executeUpdate();
        em.createQuery("DELETE FROM WebhookDelivery d WHERE d.webhookId = :w")
                .setParameter("w", id)
                .executeUpdate();
        em.remove(w);
        LOG.info(() -> "webhook " + id + " removed by " + caller.accountId());
        return w;
    }

    public Deliveries deliveries(Caller caller, String id, int max) {
        get(caller, id);
        List<WebhookDelivery> found = em.createQuery(
                        "SELECT d FROM WebhookDelivery d WHERE d.webhookId = :w ORDER BY d.id DESC",
                        WebhookDelivery.class)
                .setParameter("w", id)
                .setMaxResults(max)
                .getResultList();
        Map<Long, List<WebhookAttempt>> attempts = new HashMap<>();
        if (!found.isEmpty()) {
            for (WebhookAttempt a : em.createQuery(
                            "SELECT a FROM WebhookAttempt a WHERE a.deliveryId IN :ids ORDER BY a.id",
                            WebhookAttempt.class)
                    .setParameter(
                            "ids", found.stream().map(WebhookDelivery::getId).toList())
                    .getResultList()) {
                attempts.computeIfAbsent(a.getDeliveryId(), k -> new ArrayList<>())
                        .add(a);
            }
        }
        return new Deliveries(found, attempts);
    }

    /** Sends the delivery's event once more, as a new delivery with a fresh attempt budget. */
    public WebhookDelivery redeliver(Caller caller, String id, long deliveryId) {
        owned(caller, id);
        WebhookDelivery d = em.find(WebhookDelivery.class, deliveryId);
        if (d == null || !d.getWebhookId().equals(id)) {
            throw new CoordinatorException(
                    Kind.NOT_FOUND, "DELIVERY_NOT_FOUND", "no delivery " + deliveryId + " of webhook " + id);
        }
        WebhookDelivery again = d.again(Instant.now());
        em.persist(again);
        em.flush();
        return again;
    }

    /**
     * Claims up to {@code max} due deliveries for {@code server}: pending, due, not claimed by a
     * live claim, and the first owed of their webhook and job (so each job's events arrive in
     * order), skipping webhooks that already have {@code perWebhook} deliveries in flight here.
     * Each row is claimed by a conditional update, so two servers never both claim one.
     */
    public List<Due> claimDue(String server, int max, Map<String, Integer> inFlight, int perWebhook) {
        long now = System.currentTimeMillis();
        List<WebhookDelivery> candidates = em.createQuery(
                        "SELECT d FROM WebhookDelivery d WHERE d.state = :p AND d.nextAtMs <= :now"
                                + " AND d.claimUntilMs < :now AND NOT EXISTS (SELECT e FROM WebhookDelivery e"
                                + " WHERE e.webhookId = d.webhookId AND e.jobId = d.jobId AND e.state = :p"
                                + " AND (e.eventId < d.eventId OR (e.eventId = d.eventId AND e.id < d.id)))"
                                + " ORDER BY d.nextAtMs, d.id",
                        WebhookDelivery.class)
                .setParameter("p", WebhookDelivery.PENDING)
                .setParameter("now", now)
                .setMaxResults(max * 4)
                .getResultList();
        Map<String, Integer> busy = new HashMap<>(inFlight);
        long until = now
                + config.webhooksConnectTimeout().toMillis()
                + config.webhooksReadTimeout().toMillis()
                + 30_000;
        List<Due> claimed = new ArrayList<>();
        for (WebhookDelivery d : candidates) {
            if (claimed.size() >= max || busy.getOrDefault(d.getWebhookId(), 0) >= perWebhook) {
                continue;
            }
            int won = em.createQuery("UPDATE WebhookDelivery d SET d.claimUntilMs = :until, d.claimedBy = :me"
                            + " WHERE d.id = :id AND d.state = :p AND d.claimUntilMs < :now")
                    .setParameter("until", until)
                    .setParameter("me", server)
                    .setParameter("id", d.getId())
                    .setParameter("p", WebhookDelivery.PENDING)
                    .setParameter("now", now)
                    .executeUpdate();
            Webhook w = em.find(Webhook.class, d.getWebhookId());
            JobEvent e = em.find(JobEvent.class, d.getEventId());
            if (won != 1 || w == null || e == null) {
                continue;
            }
            Account owner = em.find(Account.class, w.getClientId());
            if (owner != null && owner.isRevoked()) {
                // Revoked after the event was recorded (or by another server): never sent, and said why.
                endNotSent(d.getId(), revokedReason(owner));
                continue;
            }
            String secret;
            try {
                secret = secrets.open(w.getSealedSecret());
            } catch (IllegalStateException wrongKey) {
                // Servers of one database with different keys: say so in the delivery, send nothing.
                LOG.warning(() -> "webhook " + w.getId() + ": " + wrongKey.getMessage());
                attempted(d.getId(), null, "not sent: " + wrongKey.getMessage(), 0);
                continue;
            }
            busy.merge(w.getId(), 1, Integer::sum);
            claimed.add(new Due(d.getId(), w.getId(), w.getUrl(), secret, e.getId(), body(e, d, w)));
        }
        return claimed;
    }

    /** The event as the feed sends it, with the webhook's id and the event's name added. */
    static String body(JobEvent e, WebhookDelivery d, Webhook w) {
        // The feed's own record (interfaces/mapping/JobViews maps it the same way), so the two never differ.
        EventView view = new EventView(
                e.getId(),
                e.getJobId(),
                e.getType(),
                e.getStatus(),
                e.getProgress(),
                e.getMinerId(),
                e.getMessage(),
                e.getEstimatedCompletion(),
                e.getAt());
        try (JsonReader r = Json.createReader(new StringReader(JSONB.toJson(view)))) {
            JsonObject feed = r.readObject();
            return Json.createObjectBuilder(feed)
                    .add("webhook_id", w.getId())
                    .add("event", d.getEventName())
                    .build()
                    .toString();
        }
    }

    /** Records one attempt's answer: delivered, another try after the back-off, or failed for good. */
    public void attempted(long deliveryId, Integer statusCode, String answer, long durationMs) {
        WebhookDelivery d = em.find(WebhookDelivery.class, deliveryId);
        if (d == null || !WebhookDelivery.PENDING.equals(d.getState())) {
            return; // its webhook was removed meanwhile
        }
        Instant now = Instant.now();
        em.persist(new WebhookAttempt(deliveryId, d.getAttempts() + 1, now, statusCode, answer, durationMs));
        d.attempted(
                statusCode,
                answer,
                now,
                config.webhooksRetryBase(),
                config.webhooksRetryMaxDelay(),
                config.webhooksMaxAttempts());
        if (WebhookDelivery.FAILED.equals(d.getState())) {
            LOG.warning(() -> "webhook " + d.getWebhookId() + ": delivery " + deliveryId + " of event " + d.getEventId()
                    + " failed after " + d.getAttempts() + " attempts");
        }
    }

    /**
     * An account was revoked (in the caller's transaction): what its webhooks still owed is never
     * sent, and each delivery says why; events of its jobs after this are not sent either
     * ({@link #claimDue}). Answers how many deliveries were pending.
     */
    public int revoked(Account account) {
        String why = revokedReason(account);
        return em.createQuery("UPDATE WebhookDelivery d SET d.state = :ns, d.lastError = :why, d.endedMs = :now,"
                        + " d.claimUntilMs = 0, d.claimedBy = NULL WHERE d.state = :p AND d.webhookId IN"
                        + " (SELECT w.id FROM Webhook w WHERE w.clientId = :c)")
                .setParameter("ns", WebhookDelivery.NOT_SENT)
                .setParameter("why", why)
                .setParameter("now", System.currentTimeMillis())
                .setParameter("p", WebhookDelivery.PENDING)
                .setParameter("c", account.getId())
                .executeUpdate();
    }

    private static String revokedReason(Account a) {
        return "not sent: the account " + a.getId() + " was revoked at " + a.getRevokedAt();
    }

    private void endNotSent(long deliveryId, String why) {
        WebhookDelivery d = em.find(WebhookDelivery.class, deliveryId);
        if (d != null) {
            em.refresh(d);
            d.notSent(why, Instant.now());
        }
    }

    /**
     * Deletes up to {@code batch} deliveries that ended (delivered, failed, not sent) longer than
     * {@code aitbc.webhooks.deliveries.retention} ago, with their attempts; pending ones are never
     * touched. One batch is one transaction; the leader runs them paced (RetentionTimer).
     */
    public int purgeEndedBatch(int batch) {
        long cutoff = System.currentTimeMillis()
                - config.webhooksDeliveriesRetention().toMillis();
        // Rows ended before ENDED_MS was recorded count from their creation.
        List<Long> ids = em.createQuery(
                        "SELECT d.id FROM WebhookDelivery d WHERE d.endedMs < :cut"
                                + " OR (d.endedMs IS NULL AND d.state <> :p AND d.createdMs < :cut) ORDER BY d.id",
                        Long.class)
                .setParameter("cut", cutoff)
                .setParameter("p", WebhookDelivery.PENDING)
                .setMaxResults(batch)
                .getResultList();
        if (ids.isEmpty()) {
            return 0;
        }
        em.createQuery("DELETE FROM WebhookAttempt a WHERE a.deliveryId IN :ids")
                .setParameter("ids", ids)
                .executeUpdate();
        return em.createQuery("DELETE FROM WebhookDelivery d WHERE d.id IN :ids AND d.state <> :p")
                .setParameter("ids", ids)
                .setParameter("p", WebhookDelivery.PENDING)
                .executeUpdate();
    }

    /** Gives back one claim of this server (its answer could not be recorded): it is sent again at once. */
    public void unclaim(long deliveryId, String server) {
        em.createQuery("UPDATE WebhookDelivery d SET d.claimUntilMs = 0, d.claimedBy = NULL"
                        + " WHERE d.id = :id AND d.claimedBy = :me")
                .setParameter("id", deliveryId)
                .setParameter("me", server)
                .executeUpdate();
    }

    /** Gives back this server's claims when it stops, so that another start sends them at once. */
    public int release(String server) {
        return em.createQuery("UPDATE WebhookDelivery d SET d.claimUntilMs = 0, d.claimedBy = NULL"
                        + " WHERE d.claimedBy = :me AND d.state = :p")
                .setParameter("me", server)
                .setParameter("p", WebhookDelivery.PENDING)
                .executeUpdate();
    }
}
