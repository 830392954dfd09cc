package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import java.util.List;
import org.aitbc.coordinator.domain.InputFile;
import org.aitbc.coordinator.domain.JobState;

/**
 * Uploaded input files in the database: by id, locked, those due for the purge (by
 * {@code IX_INPUT_FILE_DUE}), and whether a job still holds one (by {@code IX_JOB_INPUT_FILE}).
 */
@ApplicationScoped
public class InputFileRepository {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    public InputFile find(String id) {
        return em.find(InputFile.class, id);
    }

    public InputFile lock(String id) {
        return em.find(InputFile.class, id, LockModeType.PESSIMISTIC_WRITE);
    }

    public void add(InputFile file) {
        em.persist(file);
    }

    public void remove(InputFile file) {
        em.remove(file);
    }

    /** Ids of files whose expiry passed, oldest first. */
    public List<String> due(long nowMs, int max) {
        return em.createQuery(
                        "SELECT f.id FROM InputFile f WHERE f.expiresMs < :now ORDER BY f.expiresMs", String.class)
                .setParameter("now", nowMs)
                .setMaxResults(max)
                .getResultList();
    }

    /**
     * Whether a job other than {@code exceptJobId} still needs the file: one not yet ended, or one
     * whose results are still stored.
     */
    public boolean held(String fileId, String exceptJobId) {
        Long n = em.createQuery(
                        "SELECT COUNT(j) FROM Job j WHERE j.inputFileId = :f AND j.id <> :except"
                                + " AND (j.state NOT IN :ended OR j.storedResult.available = TRUE)",
                        Long.class)
                .setParameter("f", fileId)
                .setParameter("except", exceptJobId == null ? "" : exceptJobId)
                .setParameter("ended", List.of(JobState.COMPLETED, JobState.FAILED, JobState.CANCELED))
                .getSingleResult();
        return n > 0;
    }
}
