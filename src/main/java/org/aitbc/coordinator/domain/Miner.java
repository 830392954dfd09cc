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
 * A GPU worker, as it last described itself. Its id belongs to the miner account that first
 * registered it; another account may not act under that id. Capabilities are kept both as sent
 * (JSON) and in the normalised form that job matching uses.
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

    public void heartbeat(String status, Instant now) {
        this.status = status;
        this.lastSeenMs = now.toEpochMilli();
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

    public Instant getLastSeenAt() {
        return Instant.ofEpochMilli(lastSeenMs);
    }
}
