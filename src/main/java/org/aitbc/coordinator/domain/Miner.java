package org.aitbc.coordinator.domain;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Lob;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * A GPU worker, as it last described itself. Its id is bound to one miner account: the account
 * an admin bound it to, else the account that first registered it (an account's own id, its
 * account id, is bound to it from its first call). Another account may not act under that id.
 * Capabilities are kept as sent (JSON, unknown fields included), and in the normalised form that
 * job matching uses; the latest heartbeat is kept as telemetry.
 *
 * <p>Each registration starts a new <em>session</em>: its number counts up, and only the hash of
 * its random token is kept. Miners register when their process starts, so a new session means
 * the previous process is gone: the jobs it held are requeued at once, and calls naming the old
 * session's token are refused. A miner that was bound but never registered has no session.
 */
@Entity
@Table(name = "MINER")
public class Miner {
    @Id
    @Column(name = "ID", length = 100)
    private String id;

    @Column(name = "ACCOUNT_ID", nullable = false, length = 40)
    private String accountId;

    @Lob
    @Column(name = "CAPABILITIES_JSON")
    private String capabilitiesJson;

    /** Comma-separated normalised GPU types (e.g. {@code a100,v100}); empty when none is known. */
    @Column(name = "GPU_TYPES", length = 400)
    private String gpuTypes;

    @Column(name = "GPU_COUNT", nullable = false)
    private int gpuCount;

    @Column(name = "MAX_VRAM_GB", nullable = false)
    private int maxVramGb;

    /** Comma-separated models; empty means the miner serves any model. */
    @Lob
    @Column(name = "MODELS")
    private String models;

    @Column(name = "REGION", length = 64)
    private String region;

    @Column(name = "CONCURRENCY", nullable = false)
    private int concurrency;

    @Column(name = "STATUS", length = 64)
    private String status;

    @Column(name = "REGISTERED_MS", nullable = false)
    private long registeredMs;

    @Column(name = "LAST_SEEN_MS", nullable = false)
    private long lastSeenMs;

    /** Normalised names of the registered GPUs (see {@link #normaliseGpuName}), '|'-separated. */
    @Column(name = "GPU_NAMES", length = 2000)
    private String gpuNames;

    /** Top-level registration fields the coordinator does not read, kept as sent (a JSON object). */
    @Lob
    @Column(name = "EXTRA_JSON")
    private String extraJson;

    /** The latest heartbeat body, as sent (a JSON object). */
    @Lob
    @Column(name = "TELEMETRY_JSON")
    private String telemetryJson;

    @Column(name = "INFLIGHT")
    private Integer inflight;

    /** The current session's number; null until the first registration. */
    @Column(name = "SESSION_NO")
    private Integer sessionNo;

    @Column(name = "SESSION_HASH", length = 64)
    private String sessionHash;

    @Column(name = "SESSION_STARTED_MS")
    private Long sessionStartedMs;

    protected Miner() {}

    public Miner(String id, String accountId, Instant now) {
        this.id = id;
        this.accountId = accountId;
        this.registeredMs = now.toEpochMilli();
        this.lastSeenMs = registeredMs;
        this.concurrency = 1;
        this.gpuTypes = "";
        this.models = "";
    }

    public void describe(
            String capabilitiesJson,
            List<String> gpuTypes,
            int gpuCount,
            int maxVramGb,
            List<String> models,
            String region,
            int concurrency,
            Instant now) {
        this.capabilitiesJson = capabilitiesJson;
        this.gpuTypes = String.join(",", gpuTypes);
        this.gpuCount = gpuCount;
        this.maxVramGb = maxVramGb;
        this.models = String.join(",", models);
        this.region = region;
        this.concurrency = Math.max(1, concurrency);
        this.lastSeenMs = now.toEpochMilli();
    }

    /** The GPU names and unread top-level fields that came with a registration. */
    public void describeMore(List<String> normalisedGpuNames, String extraJson) {
        this.gpuNames = String.join("|", normalisedGpuNames);
        this.extraJson = extraJson;
    }

    public void heartbeat(String status, Instant now) {
        this.status = status;
        this.lastSeenMs = now.toEpochMilli();
    }

    /** A heartbeat with what the miner reports about itself. */
    public void heartbeat(String status, Integer inflight, String telemetryJson, Instant now) {
        heartbeat(status, now);
        if (inflight != null) {
            this.inflight = inflight;
        }
        this.telemetryJson = telemetryJson;
    }

    /** Starts a new session whose token hashes to {@code tokenHash}; answers its number. */
    public int startSession(String tokenHash, Instant now) {
        sessionNo = sessionNo == null ? 1 : sessionNo + 1;
        sessionHash = tokenHash;
        sessionStartedMs = now.toEpochMilli();
        return sessionNo;
    }

    public boolean isCurrentSession(String tokenHash) {
        return sessionHash != null && sessionHash.equals(tokenHash);
    }

    /** Registered at least once (not only bound by an admin, nor only used under its account's own id). */
    public boolean isRegistered() {
        return sessionNo != null;
    }

    /**
     * A GPU name in the form matching compares: lower case, without the vendor words "NVIDIA",
     * "GeForce", "AMD", "Radeon" and without spaces or punctuation ("NVIDIA GeForce RTX 4060 Ti"
     * and "rtx 4060ti" are both {@code rtx4060ti}).
     */
    public static String normaliseGpuName(String name) {
        return GpuNames.normalise(name);
    }

    private static List<String> split(String csv) {
        return csv == null || csv.isEmpty() ? List.of() : Arrays.asList(csv.split(","));
    }

    public String getId() {
        return id;
    }

    public String getAccountId() {
        return accountId;
    }

    public String getCapabilitiesJson() {
        return capabilitiesJson;
    }

    public List<String> getGpuTypes() {
        return split(gpuTypes);
    }

    public int getGpuCount() {
        return gpuCount;
    }

    public int getMaxVramGb() {
        return maxVramGb;
    }

    public List<String> getModels() {
        return split(models);
    }

    public String getRegion() {
        return region;
    }

    public int getConcurrency() {
        return concurrency;
    }

    public String getStatus() {
        return status;
    }

    public List<String> getGpuNames() {
        return gpuNames == null || gpuNames.isEmpty() ? List.of() : Arrays.asList(gpuNames.split("\\|"));
    }

    public String getExtraJson() {
        return extraJson;
    }

    public String getTelemetryJson() {
        return telemetryJson;
    }

    public Integer getInflight() {
        return inflight;
    }

    public Integer getSessionNo() {
        return sessionNo;
    }

    public Instant getSessionStartedAt() {
        return sessionStartedMs == null ? null : Instant.ofEpochMilli(sessionStartedMs);
    }

    public Instant getRegisteredAt() {
        return Instant.ofEpochMilli(registeredMs);
    }

    public Instant getLastSeenAt() {
        return Instant.ofEpochMilli(lastSeenMs);
    }
}
