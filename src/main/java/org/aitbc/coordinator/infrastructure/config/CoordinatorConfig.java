package org.aitbc.coordinator.infrastructure.config;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.aitbc.coordinator.domain.DurationText;
import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Priority;
import org.aitbc.coordinator.domain.RetentionPolicy;
import org.aitbc.coordinator.domain.Role;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The coordinator's settings, read once through MicroProfile Config. Defaults live in
 * {@code META-INF/microprofile-config.properties}; this class only parses and exposes them.
 */
@ApplicationScoped
public class CoordinatorConfig {
    @Inject
    @ConfigProperty(name = "aitbc.dev.mode")
    boolean devMode;

    @Inject
    @ConfigProperty(name = "aitbc.admin.key")
    Optional<String> adminKey;

    @Inject
    @ConfigProperty(name = "aitbc.access.log", defaultValue = "false")
    boolean accessLog;

    @Inject
    @ConfigProperty(name = "aitbc.lease.seconds")
    int leaseSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.max.attempts")
    int maxAttempts;

    @Inject
    @ConfigProperty(name = "aitbc.sweep.interval.seconds")
    int sweepIntervalSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.sweep.batch.size")
    int sweepBatchSize;

    @Inject
    @ConfigProperty(name = "aitbc.sweep.per.second")
    int sweepPerSecond;

    @Inject
    @ConfigProperty(name = "aitbc.leader.lease.seconds")
    int leaderLeaseSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.leader.renew.seconds")
    int leaderRenewSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.rate.limit.scope")
    String rateLimitScope;

    @Inject
    @ConfigProperty(name = "aitbc.poll.max.wait.seconds")
    int pollMaxWaitSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.job.default.timeout.seconds")
    int defaultTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.job.default.ttl.seconds")
    int defaultTtlSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.job.input.max.bytes")
    int inputMaxBytes;

    @Inject
    @ConfigProperty(name = "aitbc.request.max.bytes")
    int requestMaxBytes;

    @Inject
    @ConfigProperty(name = "aitbc.batch.max.jobs")
    int batchMaxJobs;

    @Inject
    @ConfigProperty(name = "aitbc.rate.free.per.minute")
    int rateFreeMinute;

    @Inject
    @ConfigProperty(name = "aitbc.rate.free.per.hour")
    int rateFreeHour;

    @Inject
    @ConfigProperty(name = "aitbc.rate.pro.per.minute")
    int rateProMinute;

    @Inject
    @ConfigProperty(name = "aitbc.rate.pro.per.hour")
    int rateProHour;

    @Inject
    @ConfigProperty(name = "aitbc.rate.enterprise.per.minute")
    int rateEnterpriseMinute;

    @Inject
    @ConfigProperty(name = "aitbc.rate.enterprise.per.hour")
    int rateEnterpriseHour;

    @Inject
    @ConfigProperty(name = "aitbc.rate.miner.per.minute")
    int rateMinerMinute;

    @Inject
    @ConfigProperty(name = "aitbc.rate.miner.per.hour")
    int rateMinerHour;

    @Inject
    @ConfigProperty(name = "aitbc.rate.admin.per.minute")
    int rateAdminMinute;

    @Inject
    @ConfigProperty(name = "aitbc.rate.admin.per.hour")
    int rateAdminHour;

    @Inject
    @ConfigProperty(name = "aitbc.pricing.gpu.rates")
    String gpuRatesText;

    @Inject
    @ConfigProperty(name = "aitbc.pricing.default.rate")
    BigDecimal defaultRate;

    @Inject
    @ConfigProperty(name = "aitbc.pricing.priority.low")
    BigDecimal multLow;

    @Inject
    @ConfigProperty(name = "aitbc.pricing.priority.normal")
    BigDecimal multNormal;

    @Inject
    @ConfigProperty(name = "aitbc.pricing.priority.high")
    BigDecimal multHigh;

    @Inject
    @ConfigProperty(name = "aitbc.pricing.priority.urgent")
    BigDecimal multUrgent;

    @Inject
    @ConfigProperty(name = "aitbc.pricing.model.seconds")
    String modelSecondsText;

    @Inject
    @ConfigProperty(name = "aitbc.pricing.storage.per.gb.day")
    BigDecimal storagePerGbDay;

    @Inject
    @ConfigProperty(name = "aitbc.retention.free")
    String retentionFree;

    @Inject
    @ConfigProperty(name = "aitbc.retention.pro")
    String retentionPro;

    @Inject
    @ConfigProperty(name = "aitbc.retention.enterprise")
    String retentionEnterprise;

    @Inject
    @ConfigProperty(name = "aitbc.health.sweeper.stale.seconds")
    int sweeperStaleSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.results.dir")
    Optional<String> resultsDir;

    @Inject
    @ConfigProperty(name = "aitbc.results.max.file.bytes")
    long resultsMaxFileBytes;

    @Inject
    @ConfigProperty(name = "aitbc.logs.max.bytes")
    long logsMaxBytes;

    @Inject
    @ConfigProperty(name = "aitbc.logs.max.append.bytes")
    int logsMaxAppendBytes;

    @Inject
    @ConfigProperty(name = "aitbc.logs.max.followers")
    int logsMaxFollowers;

    @Inject
    @ConfigProperty(name = "aitbc.logs.store")
    String logsStore;

    @Inject
    @ConfigProperty(name = "aitbc.retention.sweep.interval.seconds")
    int retentionSweepIntervalSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.retention.batch.size")
    int retentionBatchSize;

    @Inject
    @ConfigProperty(name = "aitbc.retention.per.second")
    int retentionPerSecond;

    @Inject
    @ConfigProperty(name = "aitbc.stats.slots")
    int statsSlots;

    @Inject
    @ConfigProperty(name = "aitbc.files.max.bytes")
    long filesMaxBytes;

    @Inject
    @ConfigProperty(name = "aitbc.files.unused.hours")
    double filesUnusedHours;

    @Inject
    @ConfigProperty(name = "aitbc.share.default.expiry")
    String shareDefaultExpiry;

    @Inject
    @ConfigProperty(name = "aitbc.http.max.uri.bytes")
    int httpMaxUriBytes;

    @Inject
    @ConfigProperty(name = "aitbc.http.max.header.bytes")
    int httpMaxHeaderBytes;

    @Inject
    @ConfigProperty(name = "aitbc.auth.failures.per.minute")
    int authFailuresPerMinute;

    @Inject
    @ConfigProperty(name = "aitbc.public.url")
    Optional<String> publicUrl;

    @Inject
    @ConfigProperty(name = "aitbc.retry.error.codes")
    Optional<String> retryErrorCodes;

    @Inject
    @ConfigProperty(name = "aitbc.retry.backoff.seconds")
    double retryBackoffSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.retry.backoff.max.seconds")
    double retryBackoffMaxSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.budget.monthly.plans")
    Optional<String> monthlyBudgetPlans;
    // Webhooks (docs/WEBHOOKS.md).
    @Inject
    @ConfigProperty(name = "aitbc.webhooks.allowed.hosts")
    Optional<String> webhooksAllowedHosts;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.max.attempts")
    int webhooksMaxAttempts;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.retry.base.seconds")
    double webhooksRetryBaseSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.retry.max.delay.seconds")
    double webhooksRetryMaxDelaySeconds;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.connect.timeout.seconds")
    int webhooksConnectTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.read.timeout.seconds")
    int webhooksReadTimeoutSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.poll.interval.ms")
    int webhooksPollIntervalMs;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.concurrency.per.webhook")
    int webhooksConcurrencyPerWebhook;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.concurrency.total")
    int webhooksConcurrencyTotal;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.secret.key")
    Optional<String> webhooksSecretKey;

    @Inject
    @ConfigProperty(name = "aitbc.webhooks.deliveries.retention")
    String webhooksDeliveriesRetention;

    private Map<String, BigDecimal> gpuRates;
    private Map<String, Long> modelSeconds;
    private RetentionPolicy retention;

    @PostConstruct
    void parse() {
        Map<String, BigDecimal> rates = new LinkedHashMap<>();
        pairs(gpuRatesText).forEach((k, v) -> rates.put(normaliseGpu(k), new BigDecimal(v)));
        gpuRates = Collections.unmodifiableMap(rates);
        Map<String, Long> seconds = new LinkedHashMap<>();
        pairs(modelSecondsText).forEach((k, v) -> seconds.put(k, Long.parseLong(v)));
        modelSeconds = Collections.unmodifiableMap(seconds);
        retention = new RetentionPolicy(
                duration("aitbc.retention.free", retentionFree),
                duration("aitbc.retention.pro", retentionPro),
                duration("aitbc.retention.enterprise", retentionEnterprise));
    }

    private static Duration duration(String name, String text) {
        Duration d = DurationText.parse(text);
        if (d == null) {
            throw new IllegalArgumentException(name + " must be a number and a unit (s, m, h, d), not " + text);
        }
        return d;
    }

    private static Map<String, String> pairs(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        if (text == null) {
            return out;
        }
        for (String pair : text.split(",")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return out;
    }

    /** {@code "NVIDIA A100-80GB"} → {@code "nvidiaa10080gb"}: lower case letters and digits only. */
    public static String normaliseGpu(String name) {
        return name == null ? "" : name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
    }

    public boolean devMode() {
        return devMode;
    }

    /** Whether every REST answer is logged (route template, status, duration) by the access log. */
    public boolean accessLog() {
        return accessLog;
    }

    public Optional<String> adminKey() {
        return adminKey.filter(k -> !k.isBlank());
    }

    public Duration lease() {
        return Duration.ofSeconds(leaseSeconds);
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public int sweepIntervalSeconds() {
        return sweepIntervalSeconds;
    }

    /** How long a leadership lease lasts unless renewed; a dead leader is replaced after this plus one renewal period. */
    public Duration leaderLease() {
        return Duration.ofSeconds(Math.max(2, leaderLeaseSeconds));
    }

    /** How often every server renews (the leader) or tries to take (the others) the leadership lease. */
    public Duration leaderRenew() {
        long renew = Math.max(1, Math.min(leaderRenewSeconds, leaderLease().toSeconds() / 2));
        return Duration.ofSeconds(renew);
    }

    /** Where rate limits are counted: {@code server}, {@code cluster} (the database) or {@code auto}. */
    public String rateLimitScope() {
        return rateLimitScope == null ? "auto" : rateLimitScope.trim().toLowerCase(Locale.ROOT);
    }

    public int sweepBatchSize() {
        return sweepBatchSize;
    }

    public int pollMaxWaitSeconds() {
        return pollMaxWaitSeconds;
    }

    public int defaultTimeoutSeconds() {
        return defaultTimeoutSeconds;
    }

    public int defaultTtlSeconds() {
        return defaultTtlSeconds;
    }

    public int inputMaxBytes() {
        return inputMaxBytes;
    }

    public int requestMaxBytes() {
        return requestMaxBytes;
    }

    public int batchMaxJobs() {
        return batchMaxJobs;
    }

    public Map<String, BigDecimal> gpuRates() {
        return gpuRates;
    }

    public BigDecimal defaultRate() {
        return defaultRate;
    }

    public Map<String, Long> modelSeconds() {
        return modelSeconds;
    }

    public BigDecimal storagePerGbDay() {
        return storagePerGbDay;
    }

    public RetentionPolicy retention() {
        return retention;
    }

    public int sweeperStaleSeconds() {
        return sweeperStaleSeconds;
    }
    /** Where result files live, when configured; else the store picks its default. */
    public Optional<String> resultsDir() {
        return resultsDir.filter(s -> !s.isBlank());
    }

    public long resultsMaxFileBytes() {
        return resultsMaxFileBytes;
    }

    /** The most bytes of one live log stream a job keeps; past it the oldest go and the tail stays. */
    public long logsMaxBytes() {
        return logsMaxBytes;
    }

    /** The most bytes one log append may carry (413 past it). */
    public int logsMaxAppendBytes() {
        return logsMaxAppendBytes;
    }

    /** The most GET .../logs?follow=true answers one server streams at once (each holds a request thread). */
    public int logsMaxFollowers() {
        return logsMaxFollowers;
    }

    /**
     * Where live logs are kept: {@code files} (the job's folder of the file result store) or
     * {@code database} (rows every server shares). {@code auto}: files with the file result store,
     * the database with {@code s3}, where servers share no folder. Anything else is answered as
     * given, for the store's chooser to refuse.
     */
    public String logsStore() {
        String v = logsStore.trim().toLowerCase(Locale.ROOT);
        if (v.equals("auto")) {
            return resultsStore().equals("file") ? "files" : "database";
        }
        return v;
    }

    public int retentionSweepIntervalSeconds() {
        return retentionSweepIntervalSeconds;
    }

    public int retentionBatchSize() {
        return retentionBatchSize;
    }

    /** The sweeper's budget: at most this many overdue jobs handled per second (0: unpaced). */
    public int sweepPerSecond() {
        return sweepPerSecond;
    }

    /** The purge's budget: at most this many results deleted per second (0: unpaced). */
    public int retentionPerSecond() {
        return retentionPerSecond;
    }

    /** Rows each day's counter of ended jobs is spread over ({@code DailyStatsSlot}). */
    public int statsSlots() {
        return statsSlots;
    }

    /** The largest input a client may upload through {@code POST /v1/files}. */
    public long filesMaxBytes() {
        return filesMaxBytes;
    }

    /** How long an uploaded input no job uses is kept (fractional hours allowed, for tests). */
    public java.time.Duration filesUnused() {
        return java.time.Duration.ofMillis(Math.max(1000L, Math.round(filesUnusedHours * 3_600_000d)));
    }
    /** The validity of a share link whose request names none, as text ({@code 7d}); checked like a requested one. */
    public String shareDefaultExpiry() {
        return shareDefaultExpiry;
    }

    /** The longest request path and query accepted (414 past it). */
    public int httpMaxUriBytes() {
        return httpMaxUriBytes;
    }

    /** The most bytes of request headers accepted, all headers together (431 past it). */
    public int httpMaxHeaderBytes() {
        return httpMaxHeaderBytes;
    }

    public BigDecimal multiplier(Priority p) {
        return switch (p) {
            case LOW -> multLow;
            case NORMAL -> multNormal;
            case HIGH -> multHigh;
            case URGENT -> multUrgent;
        };
    }

    /** Requests allowed per minute and per hour for a key of this role and plan. */
    /** Failed authentications one client address may make per minute before it is answered 429. */
    public int authFailuresPerMinute() {
        return authFailuresPerMinute;
    }

    /**
     * The base URL clients reach this service at (share links are built on it), without a
     * trailing slash; empty when not set, and then the server's own address is used.
     */
    public Optional<String> publicUrl() {
        return publicUrl.map(String::trim).filter(u -> !u.isEmpty()).map(u -> u.replaceAll("/+$", ""));
    }

    /** Failure codes a miner may send that count as its own fault: the job is retried, not billed. */
    public java.util.Set<String> retryErrorCodes() {
        java.util.Set<String> out = new java.util.HashSet<>();
        for (String c : retryErrorCodes.orElse("").split(",")) {
            if (!c.isBlank()) {
                out.add(c.trim().toUpperCase(Locale.ROOT));
            }
        }
        return out;
    }

    /** The wait before the attempt after the first miner's fault; doubled after each further one. */
    public Duration retryBackoff() {
        return Duration.ofMillis(Math.max(0, Math.round(retryBackoffSeconds * 1000)));
    }

    /** The longest back-off. */
    public Duration retryBackoffMax() {
        return Duration.ofMillis(Math.max(0, Math.round(retryBackoffMaxSeconds * 1000)));
    }

    /** The monthly budget of an account of {@code plan} that has none of its own; empty for none. */
    public Optional<BigDecimal> monthlyBudget(Plan plan) {
        if (plan == null) {
            return Optional.empty();
        }
        String v = pairs(monthlyBudgetPlans.orElse("")).entrySet().stream()
                .filter(e -> e.getKey().equalsIgnoreCase(plan.name()))
                .map(Map.Entry::getValue)
                .findFirst()
                .orElse(null);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(new BigDecimal(v));
    }

    public int[] rateLimits(Role role, Plan plan) {
        if (role == Role.MINER) {
            return new int[] {rateMinerMinute, rateMinerHour};
        }
        if (role == Role.ADMIN) {
            return new int[] {rateAdminMinute, rateAdminHour};
        }
        return switch (plan == null ? Plan.FREE : plan) {
            case FREE -> new int[] {rateFreeMinute, rateFreeHour};
            case PRO -> new int[] {rateProMinute, rateProHour};
            case ENTERPRISE -> new int[] {rateEnterpriseMinute, rateEnterpriseHour};
        };
    }

    @Inject
    @ConfigProperty(name = "aitbc.receipts.signing.key")
    Optional<String> receiptsSigningKey;

    @Inject
    @ConfigProperty(name = "aitbc.receipts.public.key")
    Optional<String> receiptsPublicKey;

    /** The configured Ed25519 private key of receipts (PKCS#8 DER, base64); empty: the generated one. */
    public Optional<String> receiptsSigningKey() {
        return receiptsSigningKey.map(String::trim).filter(k -> !k.isEmpty());
    }

    /** The configured key's public half (X.509 DER, base64), required with {@link #receiptsSigningKey}. */
    public Optional<String> receiptsPublicKey() {
        return receiptsPublicKey.map(String::trim).filter(k -> !k.isEmpty());
    }

    /** Hosts webhooks may reach over plain http and at private addresses (lower case, exact names or IPs). */
    public java.util.Set<String> webhooksAllowedHosts() {
        return webhooksAllowedHosts
                .map(t -> java.util.Arrays.stream(t.split(","))
                        .map(h -> h.trim().toLowerCase(Locale.ROOT))
                        .filter(h -> !h.isEmpty())
                        .collect(java.util.stream.Collectors.toUnmodifiableSet()))
                .orElse(java.util.Set.of());
    }

    /** Attempts of one delivery before it is marked failed. */
    public int webhooksMaxAttempts() {
        return Math.max(1, webhooksMaxAttempts);
    }

    /** The first retry's wait; each further one doubles it (fractions of a second allowed, for tests). */
    public Duration webhooksRetryBase() {
        return Duration.ofMillis(Math.max(100L, Math.round(webhooksRetryBaseSeconds * 1000d)));
    }

    /** The longest single wait between two attempts. */
    public Duration webhooksRetryMaxDelay() {
        return Duration.ofMillis(Math.max(100L, Math.round(webhooksRetryMaxDelaySeconds * 1000d)));
    }

    public Duration webhooksConnectTimeout() {
        return Duration.ofSeconds(Math.max(1, webhooksConnectTimeoutSeconds));
    }

    /** How long a receiver has to answer once connected (the whole request). */
    public Duration webhooksReadTimeout() {
        return Duration.ofSeconds(Math.max(1, webhooksReadTimeoutSeconds));
    }

    public int webhooksPollIntervalMs() {
        return Math.max(50, webhooksPollIntervalMs);
    }

    /** Deliveries to one webhook in flight at once, on one server. */
    public int webhooksConcurrencyPerWebhook() {
        return Math.max(1, webhooksConcurrencyPerWebhook);
    }

    /** Deliveries in flight at once on one server, all webhooks together. */
    public int webhooksConcurrencyTotal() {
        return Math.max(1, webhooksConcurrencyTotal);
    }

    /** The key signing secrets are sealed with (base64 of 32 bytes); empty: a key file of this server. */
    /** How long an ended delivery (delivered, failed, not sent) and its attempts are kept. */
    public Duration webhooksDeliveriesRetention() {
        return duration("aitbc.webhooks.deliveries.retention", webhooksDeliveriesRetention);
    }

    public Optional<String> webhooksSecretKey() {
        return webhooksSecretKey.map(String::trim).filter(k -> !k.isEmpty());
    }

    // The object store of results and inputs (aitbc.results.store=s3), read together as one value.
    @Inject
    @ConfigProperty(name = "aitbc.results.store")
    String resultsStore;

    @Inject
    @ConfigProperty(name = "aitbc.results.s3.endpoint")
    Optional<String> s3Endpoint;

    @Inject
    @ConfigProperty(name = "aitbc.results.s3.region")
    String s3Region;

    @Inject
    @ConfigProperty(name = "aitbc.results.s3.bucket")
    String s3Bucket;

    @Inject
    @ConfigProperty(name = "aitbc.results.s3.prefix")
    Optional<String> s3Prefix;

    @Inject
    @ConfigProperty(name = "aitbc.results.s3.access.key")
    Optional<String> s3AccessKey;

    @Inject
    @ConfigProperty(name = "aitbc.results.s3.secret.key")
    Optional<String> s3SecretKey;

    @Inject
    @ConfigProperty(name = "aitbc.results.s3.path.style")
    boolean s3PathStyle;

    @Inject
    @ConfigProperty(name = "aitbc.results.s3.part.bytes")
    long s3PartBytes;

    @Inject
    @ConfigProperty(name = "aitbc.results.s3.create.bucket")
    boolean s3CreateBucket;

    /** Where result files and inputs live: {@code file} (a directory) or {@code s3} (a bucket). */
    public String resultsStore() {
        return resultsStore.trim().toLowerCase(Locale.ROOT);
    }

    /** The bucket's settings, used when {@link #resultsStore()} is {@code s3}. */
    public ObjectStoreSettings objectStore() {
        return new ObjectStoreSettings(
                s3Endpoint.map(String::trim).filter(e -> !e.isEmpty()),
                s3Region.trim(),
                s3Bucket.trim(),
                s3Prefix.map(String::trim).orElse(""),
                s3AccessKey.map(String::trim).filter(k -> !k.isEmpty()),
                s3SecretKey.filter(k -> !k.isEmpty()),
                s3PathStyle,
                s3PartBytes,
                s3CreateBucket);
    }
}
