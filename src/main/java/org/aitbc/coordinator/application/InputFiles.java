package org.aitbc.coordinator.application;

import jakarta.ejb.EJB;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.domain.InputFile;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.security.Ids;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * A client's large input, from upload to the miner's read. Runs outside a transaction, so that no
 * lock is held while a body streams: the upload streams to storage (constant memory, with its
 * size and SHA-256), is put in place, and only then is the file recorded (one short transaction,
 * {@link InputFileService}); a file that could not be recorded is deleted again. Files are kept
 * in the result store under their own id ({@code file_...}), beside the jobs' result folders.
 */
@ApplicationScoped
public class InputFiles {
    /** The one file of an input's folder in the store. */
    static final String PATH = "input.bin";

    @EJB
    InputFileService service;

    @EJB
    MinerService miners;

    @Inject
    ResultStore store;

    @Inject
    CoordinatorConfig config;

    /** Refuses at once an upload whose declared length is over the limit, before its body is read. */
    public void checkDeclaredLength(long bytes) {
        if (bytes > config.filesMaxBytes()) {
            throw tooLarge();
        }
    }

    private CoordinatorException tooLarge() {
        return new CoordinatorException(
                Kind.TOO_LARGE,
                "PAYLOAD_TOO_LARGE",
                "an input file may be at most " + config.filesMaxBytes() + " bytes");
    }

    public InputFile upload(Caller caller, InputStream body) {
        String id = Ids.random("file_", 24);
        ResultStore.Written staged;
        try {
            staged = store.stage(id, body, config.filesMaxBytes());
        } catch (ResultStore.TooLargeException e) {
            deleteQuietly(id);
            throw tooLarge();
        } catch (IOException e) {
            deleteQuietly(id);
            throw new CoordinatorException(Kind.MALFORMED, "UPLOAD_INTERRUPTED", "the upload did not complete");
        }
        try {
            store.commit(id, staged.stagingId(), PATH);
            return service.record(caller, id, staged.sizeBytes(), staged.sha256());
        } catch (IOException | RuntimeException e) {
            deleteQuietly(id);
            if (e instanceof RuntimeException r) {
                throw r;
            }
            throw new java.io.UncheckedIOException("cannot store input file " + id, (IOException) e);
        }
    }

    private void deleteQuietly(String id) {
        try {
            store.deleteAll(id);
        } catch (IOException | RuntimeException e) {
            // Only orphaned disk; nothing refers to it.
        }
    }

    /** The input of a job, as the miner holding it reads it. */
    public record Input(String fileId, long sizeBytes, String sha256, Bytes bytes) {}

    /** Writes the file's bytes; called while the answer streams. */
    public interface Bytes {
        void writeTo(OutputStream out) throws IOException;

        /** Bytes {@code from} to {@code to} (inclusive) only: a ranged read of the store. */
        void writeRange(OutputStream out, long from, long to) throws IOException;
    }

    /** The job's input file, if this miner holds the job under a live lease (else 409 LEASE_LOST). */
    public Input forMiner(Caller caller, String minerId, String jobId, Integer attempt) {
        InputFile f = miners.inputOf(caller, minerId, jobId, attempt);
        String id = f.getId();
        return new Input(id, f.getSizeBytes(), f.getSha256(), new StoredBytes(store, id, PATH));
    }
}
