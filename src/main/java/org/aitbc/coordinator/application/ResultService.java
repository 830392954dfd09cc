package org.aitbc.coordinator.application;

import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import jakarta.json.Json;
import jakarta.json.JsonObjectBuilder;
import jakarta.json.JsonReader;
import jakarta.json.JsonValue;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Pricing;
import org.aitbc.coordinator.domain.ResultFile;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.observability.LogFields;
import org.aitbc.coordinator.infrastructure.observability.Metrics;
import org.aitbc.coordinator.infrastructure.persistence.DailyCounters;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.infrastructure.security.Ids;
import org.aitbc.coordinator.infrastructure.storage.ResultPaths;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * A job's result package: sealing it when the job ends (output.json, result.txt, and the size
 * and SHA-256 of every file recorded), serving, verifying and deleting it, and the retention
 * purge; its share links are {@link ShareService}'s. The package is what the guide shows:
 * {@code job_<ID>/output.json, result.txt, logs/..., artifacts/...}.
 */
@Stateless
public class ResultService {
    private static final Logger LOG = Logger.getLogger(ResultService.class.getName());
    public static final String OUTPUT_JSON = "output.json";
    public static final String RESULT_TXT = "result.txt";
    public static final String CHECKSUMS = "output.sha256";

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    org.aitbc.coordinator.infrastructure.persistence.InputFileRepository inputFiles;

    @Inject
    JobRepository jobs;

    @Inject
    DailyCounters counters;

    @Inject
    ResultStore store;

    @Inject
    CoordinatorConfig config;

    @Inject
    Metrics metrics;

    @EJB
    JobService jobService;

    @EJB
    ReceiptService receipts;

    @Inject
    LogPackage logPackage;

    @Resource(lookup = "java:comp/TransactionSynchronizationRegistry")
    TransactionSynchronizationRegistry transactions;

    /** Records a file the store wrote for the job (an upload, or one the coordinator wrote). */
    public void record(String jobId, String path, ResultStore.Written w) {
        ResultFile f = em.find(ResultFile.class, new ResultFile.Key(jobId, path));
        long now = System.currentTimeMillis();
        if (f == null) {
            em.persist(new ResultFile(jobId, path, w.sizeBytes(), w.sha256(), w.crc32(), now));
        } else {
            f.update(w.sizeBytes(), w.sha256(), w.crc32(), now);
        }
    }

    public List<ResultFile> files(String jobId) {
        return em.createQuery("SELECT f FROM ResultFile f WHERE f.jobId = :j ORDER BY f.path", ResultFile.class)
                .setParameter("j", jobId)
                .getResultList();
    }

    /**
     * Seals the package of a job that just ended: writes output.json (and result.txt when the
     * result carries an output text), records every file, and sets the result summary and its
     * expiry from the owner's plan. Runs in the transaction that ended the job.
     */
    public void seal(Job job) {
        try {
            String text = outputText(job.getResultJson());
            // A result.txt the miner uploaded itself is kept as it is.
            if (text != null && em.find(ResultFile.class, new ResultFile.Key(job.getId(), RESULT_TXT)) == null) {
                record(
                        job.getId(),
                        RESULT_TXT,
                        store.put(job.getId(), RESULT_TXT, text.getBytes(StandardCharsets.UTF_8)));
            }
            // The live logs become logs/stdout.log and logs/stderr.log; a file the miner uploaded wins.
            logPackage.packageInto(
                    job.getId(),
                    path -> em.find(ResultFile.class, new ResultFile.Key(job.getId(), path)) != null,
                    (path, written) -> record(job.getId(), path, written));
            record(job.getId(), OUTPUT_JSON, store.put(job.getId(), OUTPUT_JSON, outputJson(job)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the result package of " + job.getId(), e);
        }
        em.flush();
        List<ResultFile> files = files(job.getId());
        long size = files.stream().mapToLong(ResultFile::getSizeBytes).sum();
        String digest = Ids.sha256Hex(manifest(files).getBytes(StandardCharsets.UTF_8));
        Instant expires = config.retention().expiresAt(job.getClientPlan(), job.getEndedAt());
        job.sealResult(size, digest, expires);
        receipts.sign(job, files, digest);
        metrics.stored(size);
        LOG.info(() -> "job " + job.getId() + " result sealed: " + files.size() + " files, " + size
                + " bytes, kept until " + expires);
    }

    /** {@code output.sha256} in the format {@code sha256sum -c} reads, paths relative to the job folder. */
    public static String manifest(List<ResultFile> files) {
        StringBuilder sb = new StringBuilder();
        for (ResultFile f : files) {
            sb.append(f.getSha256()).append("  ").append(f.getPath()).append('\n');
        }
        return sb.toString();
    }

    private static String outputText(String resultJson) {
        if (resultJson == null) {
            return null;
        }
        try (JsonReader r = Json.createReader(new StringReader(resultJson))) {
            JsonValue v = r.readValue();
            if (v.getValueType() == JsonValue.ValueType.STRING) {
                return ((jakarta.json.JsonString) v).getString();
            }
            if (v.getValueType() == JsonValue.ValueType.OBJECT) {
                for (String key : List.of("output", "text", "result")) {
                    JsonValue t = v.asJsonObject().get(key);
                    if (t != null && t.getValueType() == JsonValue.ValueType.STRING) {
                        return ((jakarta.json.JsonString) t).getString();
                    }
                }
            }
        } catch (RuntimeException e) {
            return null;
        }
        return null;
    }

    private static byte[] outputJson(Job j) {
        JsonObjectBuilder b = Json.createObjectBuilder()
                .add("job_id", j.getId())
                .add("status", j.getState().wire())
                .add("model", j.getModel() == null ? JsonValue.NULL : Json.createValue(j.getModel()))
                .add("priority", j.getPriority().wire())
                .add("attempt", j.getAttempt())
                .add("miner_id", j.getMinerId() == null ? JsonValue.NULL : Json.createValue(j.getMinerId()))
                .add("created_at", j.getCreatedAt().toString())
                .add(
                        "started_at",
                        j.getStartedAt() == null
                                ? JsonValue.NULL
                                : Json.createValue(j.getStartedAt().toString()))
                .add(
                        "completed_at",
                        j.getEndedAt() == null
                                ? JsonValue.NULL
                                : Json.createValue(j.getEndedAt().toString()))
                .add("estimated_cost", j.getEstimatedCost())
                .add("cost", j.getCost() == null ? JsonValue.NULL : Json.createValue(j.getCost()));
        if (j.getErrorCode() != null && j.getState() == JobState.FAILED) {
            b.add(
                    "error",
                    Json.createObjectBuilder()
                            .add("code", j.getErrorCode())
                            .add("message", j.getErrorMessage() == null ? "" : j.getErrorMessage()));
        }
        b.add("result", parse(j.getResultJson())).add("metrics", parse(j.getMetricsJson()));
        return b.build().toString().getBytes(StandardCharsets.UTF_8);
    }

    private static JsonValue parse(String text) {
        if (text == null) {
            return JsonValue.NULL;
        }
        try (JsonReader r = Json.createReader(new StringReader(text))) {
            return r.readValue();
        }
    }

    /**
     * The caller's ended job whose package can be read: 409 while it runs or when it ended
     * without one, 410 once deleted or past its retention.
     */
    public Job readable(Caller caller, String jobId) {
        return readable(jobService.get(caller, jobId));
    }

    /** The caller's job whatever the state of its results. */
    public Job readableOrAny(Caller caller, String jobId) {
        return jobService.get(caller, jobId);
    }

    static Job readable(Job job) {
        if (!job.getState().isFinal()) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "RESULT_NOT_READY",
                    "job " + job.getId() + " is " + job.getState().wire() + "; its results are not ready");
        }
        if (job.getResultDeletedAt() != null) {
            throw new CoordinatorException(
                    Kind.GONE,
                    "RESULT_GONE",
                    "the results of job " + job.getId() + " were deleted at " + job.getResultDeletedAt());
        }
        if (job.getResultExpiresAt() != null && job.getResultExpiresAt().isBefore(Instant.now())) {
            throw new CoordinatorException(
                    Kind.GONE,
                    "RESULT_GONE",
                    "the results of job " + job.getId() + " expired at " + job.getResultExpiresAt());
        }
        if (!job.isResultAvailable()) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "RESULT_NOT_READY",
                    "job " + job.getId() + " ended " + job.getState().wire() + " without results");
        }
        return job;
    }

    /** One stored file of a job's results: what a download announces, and its bytes on demand. */
    public record StoredFile(String path, long sizeBytes, String sha256, Bytes bytes) {}

    /** Writes a file's bytes; called while the answer streams, after the transaction that found the file. */
    public interface Bytes {
        void writeTo(OutputStream out) throws IOException;

        /** Bytes {@code from} to {@code to} (inclusive) only: a ranged read of the store. */
        void writeRange(OutputStream out, long from, long to) throws IOException;
    }

    /**
     * The file at {@code path} of the caller's readable job (see {@link #readable(Caller, String)}):
     * 400 for a path no result file can have, 404 {@code FILE_NOT_FOUND} for one the job has not.
     */
    public StoredFile file(Caller caller, String jobId, String path) {
        Job job = readable(caller, jobId);
        String problem = ResultPaths.problem(path);
        if (problem != null) {
            throw CoordinatorException.badParameter("file", problem);
        }
        ResultFile f = files(job.getId()).stream()
                .filter(r -> r.getPath().equals(path))
                .findFirst()
                .orElseThrow(() -> new CoordinatorException(
                        Kind.NOT_FOUND, "FILE_NOT_FOUND", "job " + job.getId() + " has no result file " + path));
        return new StoredFile(path, f.getSizeBytes(), f.getSha256(), new StoredBytes(store, job.getId(), path));
    }

    /** One file's verification. */
    public record Check(String path, long sizeBytes, String sha256, boolean ok) {}

    /** Re-reads every stored file and compares it with the sums recorded when it was sealed. */
    public List<Check> verify(Caller caller, String jobId) {
        Job job = readable(caller, jobId);
        List<Check> out = new ArrayList<>();
        for (ResultFile f : files(job.getId())) {
            long size = 0;
            String sha = null;
            try (InputStream in = store.open(job.getId(), f.getPath())) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                byte[] buf = new byte[64 * 1024];
                int n;
                while ((n = in.read(buf)) > 0) {
                    md.update(buf, 0, n);
                    size += n;
                }
                sha = HexFormat.of().formatHex(md.digest());
            } catch (IOException | java.security.NoSuchAlgorithmException e) {
                // A missing or unreadable file fails verification.
            }
            out.add(new Check(f.getPath(), size, sha, f.getSha256().equals(sha) && size == f.getSizeBytes()));
        }
        return out;
    }

    /** Deletes the job's files; the job and its history stay. Deleting again is harmless. */
    public Job deleteResults(Caller caller, String jobId) {
        Job job = jobService.get(caller, jobId);
        if (!job.getState().isFinal()) {
            throw new CoordinatorException(
                    Kind.CONFLICT,
                    "INVALID_STATE",
                    "job " + jobId + " is " + job.getState().wire() + "; results can be deleted once it ends");
        }
        purge(jobs.lock(jobId));
        return job;
    }

    /**
     * Marks the job's results gone and deletes its files once that commits. The files outlive the
     * database rows by a moment, never the other way round: a reader that sees the result as
     * available always finds its files, and a rolled-back purge leaves both in place.
     */
    private long purge(Job job) {
        String jobId = job.getId();
        Long freedRow = em.createQuery("SELECT SUM(f.sizeBytes) FROM ResultFile f WHERE f.jobId = :j", Long.class)
                .setParameter("j", jobId)
                .getSingleResult();
        long freed = freedRow == null ? 0 : freedRow;
        em.createQuery("DELETE FROM ResultFile f WHERE f.jobId = :j")
                .setParameter("j", jobId)
                .executeUpdate();
        boolean wasAvailable = job.isResultAvailable();
        Instant now = Instant.now();
        if (wasAvailable && job.getResultSizeBytes() != null && job.getEndedAt() != null) {
            // Storage is charged once, when the results go, for the GB-days they were kept.
            long keptUntil =
                    Math.min(now.toEpochMilli(), job.getResultExpiresAt().toEpochMilli());
            java.math.BigDecimal charge = Pricing.storage(
                    config.storagePerGbDay(),
                    job.getResultSizeBytes(),
                    keptUntil - job.getEndedAt().toEpochMilli());
            if (charge.signum() > 0 && job.getStorageCost() == null) {
                job.chargeStorage(charge);
                counters.addSpent(job, charge);
            }
        }
        job.markResultDeleted(now);
        logPackage.deleteLive(jobId);
        if (job.getInputFileId() != null) {
            releaseInput(job);
        }
        if (wasAvailable) {
            metrics.purged(freed);
        }
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status != Status.STATUS_COMMITTED) {
                    return;
                }
                try (var fields = LogFields.scope(jobId, null, null)) {
                    store.deleteAll(jobId);
                    LOG.info(() -> "job " + jobId + " results deleted (" + freed + " bytes)");
                } catch (IOException | RuntimeException e) {
                    // The job already says its results are gone; the files are only orphaned disk.
                    LOG.warning("job " + jobId + " results marked deleted, but its files could not be removed: " + e);
                }
            }
        });
        return freed;
    }

    /** The job's input file goes with its results when no other job still holds it: due at once. */
    private void releaseInput(Job job) {
        org.aitbc.coordinator.domain.InputFile f = inputFiles.lock(job.getInputFileId());
        if (f != null && !inputFiles.held(f.getId(), job.getId())) {
            f.expireAt(Instant.now());
        }
    }

    /**
     * One batch of the retention purge, in its own transaction: results whose retention ended.
     * Each job is locked and re-checked, so two purges at once delete each result once.
     */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public int purgeExpiredBatch(int batch) {
        long now = System.currentTimeMillis();
        List<String> due = em.createQuery(
                        "SELECT j.id FROM Job j WHERE j.storedResult.expiresMs < :now"
                                + " AND j.storedResult.available = TRUE ORDER BY j.storedResult.expiresMs",
                        String.class)
                .setParameter("now", now)
                .setMaxResults(batch)
                .getResultList();
        int purged = 0;
        for (String id : due) {
            // Null too while another transaction holds it (a client's delete, or a hung server's): next run.
            Job job = jobs.lockUnlessHeld(id);
            if (job != null
                    && job.isResultAvailable()
                    && job.getResultExpiresAt().toEpochMilli() < now) {
                purge(job);
                metrics.retentionPurged();
                purged++;
            }
        }
        return purged;
    }
}
