package org.aitbc.coordinator.application;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.aitbc.coordinator.infrastructure.storage.ResultStore;

/**
 * A stored file's bytes, written while an answer streams (after the transaction that found the
 * file): all of them, or one range read as a range from the store (a ranged GET on an object
 * store, a positioned read of a file), so that {@code Range} never reads what it does not send.
 */
final class StoredBytes implements ResultService.Bytes, InputFiles.Bytes {
    // 64 KiB at a time, as the zip package is written: InputStream.transferTo's 8 KiB writes
    // made a 1 GiB file download at about half the zip's speed (docs/BENCHMARKS.md).
    private static final int BUFFER = 64 * 1024;

    private final ResultStore store;
    private final String owner;
    private final String path;

    StoredBytes(ResultStore store, String owner, String path) {
        this.store = store;
        this.owner = owner;
        this.path = path;
    }

    @Override
    public void writeTo(OutputStream out) throws IOException {
        try (InputStream in = store.open(owner, path)) {
            copy(in, out);
        }
    }

    @Override
    public void writeRange(OutputStream out, long from, long to) throws IOException {
        try (InputStream in = store.open(owner, path, from, to)) {
            copy(in, out);
        }
    }

    private static void copy(InputStream in, OutputStream out) throws IOException {
        byte[] buf = new byte[BUFFER];
        int n;
        while ((n = in.read(buf)) > 0) {
            out.write(buf, 0, n);
        }
    }
}
