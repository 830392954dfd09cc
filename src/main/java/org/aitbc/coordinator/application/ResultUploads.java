package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.storage.ResultPaths;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * A miner's upload of one result file. Runs outside a transaction, so that no lock is held while
 * the body streams in: the lease is checked first (refusing before a large body is read), the
 * body streams to a staging file with its size and SHA-256, then one transaction puts the file in
 * place if the miner still holds the job (run again on a lost race, {@link MinerCommands}). A
 * staged file that was not put in place is dropped.
 */
@ApplicationScoped
public class ResultUploads {
    @EJB
    MinerService miners;

    @Inject
    MinerCommands commands;

    @Inject
    ResultStore store;

    @Inject
    CoordinatorConfig config;

    /** Null when a miner may upload a file at this path, else why not. */
    public static String pathProblem(String path) {
        String problem = ResultPaths.problem(path);
        if (problem != null) {
            return problem;
        }
        if (ResultService.OUTPUT_JSON.equals(path) || ResultService.CHECKSUMS.equals(path)) {
            return "names a file the coordinator writes itself";
        }

        return null;
    }

    /**
     * Refuses (409 PATH_CONFLICT) a path that collides with what the coordinator keeps in the job's
     * folder itself: its staging folder, and the package files it writes when the job ends, which
     * cannot be written once a folder of their name exists. Collisions with the miner's own files
     * are found by the store when the file is put in place.
     */
    public static void checkReserved(String path) {
        String first = path == null ? "" : path.split("/", -1)[0];
        String why = null;
        if (first.equals(ResultPaths.STAGING)) {
            why = path + " would be inside the folder where uploads are staged";
        } else if (path.contains("/")
                && (first.equals(ResultService.OUTPUT_JSON)
                        || first.equals(ResultService.CHECKSUMS)
                        || first.equals(ResultService.RESULT_TXT))) {
            why = path + " would make " + first + " a folder, but the coordinator writes a file of that name";
        }
        if (why != null) {
            throw new CoordinatorException(Kind.CONFLICT, "PATH_CONFLICT", why);
        }
    }

    /** Refuses at once an upload whose declared length is over the limit, before its body is read. */
    public void checkDeclaredLength(long bytes) {
        if (bytes > config.resultsMaxFileBytes()) {
            throw tooLarge();
        }
    }

    private CoordinatorException tooLarge() {
        return new CoordinatorException(
                Kind.TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "a result file may be at most " + config.resultsMaxFileBytes() + " bytes");
    }

    /** Stores {@code body} as {@code path} of the job's results; answers its size and SHA-256. */
    public ResultStore.Written upload(
            Caller caller, String minerId, String jobId, Integer attempt, String path, InputStream body) {
        miners.checkLease(caller, minerId, jobId, attempt);
        ResultStore.Written staged;
        try {
            staged = store.stage(jobId, body, config.resultsMaxFileBytes());
        } catch (ResultStore.TooLargeException e) {
            throw tooLarge();
        } catch (IOException e) {
            throw new CoordinatorException(
                    Kind.MALFORMED, "UPLOAD_INTERRUPTED", "the upload of " + path + " did not complete");
        }
        try {
            return commands.storeFile(caller, minerId, jobId, attempt, path, staged);
        } catch (RuntimeException e) {
            store.discard(jobId, staged.stagingId());
            throw e;
        }
    }
}
