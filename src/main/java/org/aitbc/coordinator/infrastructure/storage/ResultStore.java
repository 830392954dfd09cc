package org.aitbc.coordinator.infrastructure.storage;

import java.io.IOException;
import java.io.InputStream;
import java.util.List;

/**
 * Result files of jobs, addressed by job id and a relative path ({@code result.txt},
 * {@code logs/stdout.log}). Writes stream in constant memory and report size, SHA-256 and CRC-32
 * of what they stored; a write first lands in a staging file and becomes visible only when
 * {@link #commit} moves it into place, so a reader never sees half a file.
 */
public interface ResultStore {
    /** What was written: staged under {@code stagingId} until committed. */
    record Written(String stagingId, long sizeBytes, String sha256, long crc32) {}

    /** Streams {@code in} into a staging file; more than {@code maxBytes} fails with {@link TooLargeException}. */
    Written stage(String jobId, InputStream in, long maxBytes) throws IOException;

    /** Atomically replaces {@code path} of the job with the staged file. */
    void commit(String jobId, String stagingId, String path) throws IOException;

    /** Drops a staged file that will not be committed. */
    void discard(String jobId, String stagingId);

    /** Writes small content directly (used for output.json and result.txt). */
    Written put(String jobId, String path, byte[] content) throws IOException;

    InputStream open(String jobId, String path) throws IOException;

    /**
     * Bytes {@code from} to {@code to} (inclusive, both within the file) of a committed file. An
     * object store asks for just that range; a file is opened and positioned.
     */
    default InputStream open(String jobId, String path, long from, long to) throws IOException {
        InputStream in = open(jobId, path);
        try {
            in.skipNBytes(from);
        } catch (IOException | RuntimeException e) {
            in.close();
            throw e;
        }
        return new Bounded(in, to - from + 1);
    }

    boolean exists(String jobId, String path);

    /** Removes every file of the job; returns the bytes freed. */
    long deleteAll(String jobId) throws IOException;

    /** Relative paths of the job's committed files. */
    List<String> list(String jobId) throws IOException;

    /**
     * Thrown by {@link #commit} when the path cannot be a file beside what is stored: it names an
     * existing folder ({@code a} while {@code a/b.txt} is stored), or one of its folders is an
     * existing file ({@code a/b.txt} while {@code a} is stored).
     */
    class PathConflictException extends IOException {
        private static final long serialVersionUID = 1L;

        public PathConflictException(String message) {
            super(message);
        }
    }

    /** At most {@code left} bytes of a stream, for {@link #open(String, String, long, long)}. */
    final class Bounded extends java.io.FilterInputStream {
        private long left;

        Bounded(InputStream in, long left) {
            super(in);
            this.left = left;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = super.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    /** Thrown when a streamed file exceeds the limit. */
    class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        public TooLargeException(long max) {
            super("file larger than " + max + " bytes");
        }
    }
}
