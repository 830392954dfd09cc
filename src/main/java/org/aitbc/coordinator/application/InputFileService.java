package org.aitbc.coordinator.application;

import jakarta.annotation.Resource;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.InputFile;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.InputFileRepository;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * The records of uploaded input files (one transaction per call): creating one, a client's read
 * of it, a job's use of it at submission, and the purge of files nobody needs any more.
 */
@Stateless
public class InputFileService {
    private static final Logger LOG = Logger.getLogger(InputFileService.class.getName());

    @Inject
    InputFileRepository files;

    @Inject
    ResultStore store;

    @Inject
    CoordinatorConfig config;

    @Resource
    TransactionSynchronizationRegistry transactions;

    public InputFile record(Caller caller, String id, long sizeBytes, String sha256) {
        Instant now = JobService.now();
        InputFile f = new InputFile(id, caller.accountId(), sizeBytes, sha256, now, now.plus(config.filesUnused()));
        files.add(f);
        LOG.info(() -> "input file " + id + " uploaded by " + caller.accountId() + " (" + sizeBytes + " bytes)");
        return f;
    }

    /** The caller's file; another client's, a missing or an expired one is "not found" alike. */
    public InputFile get(Caller caller, String id) {
        InputFile f = id == null ? null : files.find(id);
        if (f == null
                || !(caller.isAdmin() || f.getClientId().equals(caller.accountId()))
                || f.isExpiredUnused(JobService.now())) {
            throw notFound(id);
        }
        return f;
    }

    static CoordinatorException notFound(String id) {
        return new CoordinatorException(Kind.NOT_FOUND, "FILE_NOT_FOUND", "no file " + id);
    }

    /**
     * One batch of the purge, in its own transaction: files past their expiry that no job holds
     * are deleted (their bytes once the deletion commits); a held one is checked again an unused
     * period later.
     */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public int purgeExpiredBatch(int batch) {
        Instant now = JobService.now();
        List<String> due = files.due(now.toEpochMilli(), batch);
        int purged = 0;
        for (String id : due) {
            InputFile f = files.lock(id);
            if (f == null || !f.getExpiresAt().isBefore(now)) {
                continue;
            }
            if (f.isUsed() && files.held(id, null)) {
                f.expireAt(now.plus(config.filesUnused()));
                continue;
            }
            files.remove(f);
            purged++;
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {}

                @Override
                public void afterCompletion(int status) {
                    if (status != Status.STATUS_COMMITTED) {
                        return;
                    }
                    try {
                        store.deleteAll(id);
                        LOG.info(() -> "input file " + id + " deleted");
                    } catch (IOException | RuntimeException e) {
                        LOG.warning("input file " + id + " deleted, but its bytes could not be removed: " + e);
                    }
                }
            });
        }
        return purged;
    }
}
