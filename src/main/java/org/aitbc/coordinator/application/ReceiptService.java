package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObject;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.time.Instant;
import java.util.List;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.Receipt;
import org.aitbc.coordinator.domain.ResultFile;
import org.aitbc.coordinator.domain.SigningKey;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.ReceiptRepository;
import org.aitbc.coordinator.infrastructure.security.Ed25519;
import org.aitbc.coordinator.infrastructure.security.Ids;
import org.aitbc.coordinator.wire.CanonicalJson;

/**
 * Signed receipts (docs/RECEIPTS.md): made when a job's result package is sealed, in the
 * transaction that ended the job, with the coordinator's current Ed25519 key; read back for the
 * client, and as {@code receipt.json} of the package. The current key is the configured one
 * ({@code aitbc.receipts.signing.key}), else the one generated at first start and kept in the
 * database; every key that ever signed stays listed ({@link #keys}).
 */
@Stateless
public class ReceiptService {
    private static final Logger LOG = Logger.getLogger(ReceiptService.class.getName());
    public static final String RECEIPT_JSON = "receipt.json";
    public static final String VERSION = "1";

    /** The key signing now; fixed for the server's life once read (the configuration is read once). */
    private record Current(String keyId, PrivateKey privateKey) {}

    private static volatile Current current;

    @Inject
    ReceiptRepository receipts;

    @Inject
    CoordinatorConfig config;

    @EJB
    ReceiptKeys keyWrites;

    @EJB
    JobService jobService;

    /** Signs the receipt of a job whose package was just sealed; a job is signed for once. */
    public void sign(Job job, List<ResultFile> files, String packageSha256) {
        if (receipts.find(job.getId()) != null) {
            return;
        }
        Current key = currentKey();
        Instant now = JobService.now();
        JsonObject body = body(job, files, packageSha256, key.keyId(), now);
        String text = CanonicalJson.text(body);
        String signature = Ed25519.sign(key.privateKey(), text.getBytes(StandardCharsets.UTF_8));
        receipts.add(new Receipt(job.getId(), text, signature, key.keyId(), now));
    }

    /** What the receipt says, every number as a string (docs/RECEIPTS.md lists each field). */
    static JsonObject body(Job job, List<ResultFile> files, String packageSha256, String keyId, Instant issued) {
        JsonArrayBuilder list = Json.createArrayBuilder();
        files.stream()
                .sorted(java.util.Comparator.comparing(ResultFile::getPath))
                .forEach(f -> list.add(Json.createObjectBuilder()
                        .add("path", f.getPath())
                        .add("size_bytes", Long.toString(f.getSizeBytes()))
                        .add("sha256", f.getSha256())));
        long ranSeconds = job.getStartedAt() == null || job.getEndedAt() == null
                ? 0
                : Math.max(
                        0, (job.getEndedAt().toEpochMilli() - job.getStartedAt().toEpochMilli()) / 1000);
        JsonObjectBuilder b = Json.createObjectBuilder()
                .add("version", VERSION)
                .add("job_id", job.getId())
                .add("client_id", job.getClientId())
                .add("status", job.getState().wire())
                .add("spec_sha256", specSha256(job))
                .add("miner_id", text(job.getMinerId()))
                .add("attempt", Integer.toString(job.getAttempt()))
                .add("started_at", time(job.getStartedAt()))
                .add("ended_at", time(job.getEndedAt()))
                .add("files", list)
                .add("package_sha256", packageSha256)
                .add("gpu_seconds", Long.toString(ranSeconds * Math.max(1, job.getGpuCount())))
                .add(
                        "cost",
                        job.getCost() == null
                                ? JsonValue.NULL
                                : Json.createValue(job.getCost().toPlainString()))
                .add("currency", "AITBC")
                .add("issued_at", issued.toString())
                .add("key_id", keyId);
        return b.build();
    }

    /**
     * The SHA-256 (hex) of the job's canonical spec: the canonical encoding of {@code {model,
     * payload, constraints, priority, timeout_seconds, ttl_seconds, input_file_id}} as the job
     * stored them (constraints are the job view's {@code constraints}).
     */
    public static String specSha256(Job job) {
        return Ids.sha256Hex(CanonicalJson.bytes(spec(job)));
    }

    static JsonObject spec(Job job) {
        return Json.createObjectBuilder()
                .add("model", text(job.getModel()))
                .add("payload", parse(job.getPayloadJson()))
                .add("constraints", parse(job.getConstraintsJson()))
                .add("priority", job.getPriority().wire())
                .add("timeout_seconds", Integer.toString(job.getTimeoutSeconds()))
                .add("ttl_seconds", Integer.toString(job.getTtlSeconds()))
                .add("input_file_id", text(job.getInputFileId()))
                .build();
    }

    private static JsonValue text(String s) {
        return s == null ? JsonValue.NULL : Json.createValue(s);
    }

    private static JsonValue time(Instant t) {
        return t == null ? JsonValue.NULL : Json.createValue(t.toString());
    }

    private static JsonValue parse(String json) {
        if (json == null) {
            return JsonValue.NULL;
        }
        try (JsonReader r = Json.createReader(new StringReader(json))) {
            return r.readValue();
        }
    }

    /** A job's receipt: 409 while it has not ended, 404 when it ended without one (before receipts existed). */
    public Receipt receipt(Caller caller, String jobId) {
        Job job = jobService.get(caller, jobId);
        Receipt r = receipts.find(job.getId());
        if (r != null) {
            return r;
        }
        if (!job.getState().isFinal()) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "RECEIPT_NOT_READY",
                    "job " + jobId + " is " + job.getState().wire() + "; its receipt is signed when it ends");
        }
        throw new CoordinatorException(
                Kind.NOT_FOUND, "RECEIPT_NOT_FOUND", "job " + jobId + " ended without a signed receipt");
    }

    /** {@code receipt.json} of the job's package ({receipt, signature}), or null when it has no receipt. */
    public byte[] document(String jobId) {
        Receipt r = receipts.find(jobId);
        return r == null ? null : document(r).getBytes(StandardCharsets.UTF_8);
    }

    /** The receipt as served: the signed object and its detached signature. */
    public static String document(Receipt r) {
        return Json.createObjectBuilder()
                        .add("receipt", parse(r.getBody()))
                        .add(
                                "signature",
                                Json.createObjectBuilder()
                                        .add("algorithm", Ed25519.ALGORITHM)
                                        .add("key_id", r.getKeyId())
                                        .add("value", r.getSignature()))
                        .build()
                        .toString()
                + "\n";
    }

    /** Every key that signs or signed receipts, and which one signs now. */
    public record Keys(String currentKeyId, List<SigningKey> keys) {}

    public Keys keys() {
        String now = currentKey().keyId();
        return new Keys(now, receipts.keys());
    }

    /**
     * The key signing now: the configured pair (recorded in the key table once), else the key
     * generated at first start. Two servers generating at once on one database both try the
     * generated slot; the loser's insert fails and it takes the winner's key.
     */
    private Current currentKey() {
        Current c = current;
        if (c != null) {
            return c;
        }
        synchronized (ReceiptService.class) {
            if (current != null) {
                return current;
            }
            if (config.receiptsSigningKey().isPresent()
                    || config.receiptsPublicKey().isPresent()) {
                current = configured();
            } else {
                current = generated();
            }
            return current;
        }
    }

    private Current configured() {
        if (config.receiptsSigningKey().isEmpty() || config.receiptsPublicKey().isEmpty()) {
            throw new IllegalStateException(
                    "aitbc.receipts.signing.key and aitbc.receipts.public.key must be set together");
        }
        PrivateKey priv = Ed25519.privateKey(config.receiptsSigningKey().get());
        PublicKey pub = Ed25519.publicKey(config.receiptsPublicKey().get());
        if (!Ed25519.pairs(priv, pub)) {
            throw new IllegalStateException(
                    "aitbc.receipts.public.key is not the public half of aitbc.receipts.signing.key");
        }
        String id = Ed25519.keyId(pub);
        try {
            keyWrites.recordConfigured(id, Ed25519.base64(pub));
        } catch (RuntimeException e) {
            // Another server recorded it at the same moment.
            LOG.fine(() -> "receipt key " + id + " recorded by another server");
        }
        LOG.info(() -> "receipts are signed with the configured key " + id);
        return new Current(id, priv);
    }

    private Current generated() {
        SigningKey k = keyWrites.generated();
        if (k == null) {
            try {
                k = keyWrites.generate();
                String id = k.getKeyId();
                LOG.info(() -> "generated the receipt signing key " + id + " (kept in the database)");
            } catch (RuntimeException e) {
                // Another server filled the generated slot first: use its key.
                k = keyWrites.generated();
                if (k == null) {
                    throw e;
                }
            }
        }
        return new Current(k.getKeyId(), Ed25519.privateKey(k.getPrivateKey()));
    }
}
