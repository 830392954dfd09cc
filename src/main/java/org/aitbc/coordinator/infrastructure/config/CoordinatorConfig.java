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
    @ConfigProperty(name = "aitbc.retention.sweep.interval.seconds")
    int retentionSweepIntervalSeconds;

    @Inject
    @ConfigProperty(name = "aitbc.retention.batch.size")
    int retentionBatchSize;

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

    public int retentionSweepIntervalSeconds() {
        return retentionSweepIntervalSeconds;
    }

    public int retentionBatchSize() {
        return retentionBatchSize;
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
