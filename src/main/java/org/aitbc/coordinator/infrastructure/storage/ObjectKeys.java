package org.aitbc.coordinator.infrastructure.storage;

/**
 * How result files map to object keys: {@code <prefix><job id>/<path>}, staged uploads under
 * {@code <prefix><job id>/.staging/<id>}, the same layout as {@link FileResultStore}'s folders, so
 * that a bucket synced from a results directory (or back) needs no renaming. Job ids and paths are
 * checked here exactly as the file store checks them, before any request leaves.
 */
public final class ObjectKeys {
    private final String prefix;

    public ObjectKeys(String prefix) {
        String p = prefix == null ? "" : prefix.trim();
        while (p.startsWith("/")) {
            p = p.substring(1);
        }
        this.prefix = p.isEmpty() || p.endsWith("/") ? p : p + "/";
    }

    public String prefix() {
        return prefix;
    }

    /** Every key of the job (committed and staged) starts with this. */
    public String job(String jobId) {
        if (jobId == null || !jobId.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("bad job id");
        }
        return prefix + jobId + "/";
    }

    /** The key of a committed file. */
    public String file(String jobId, String path) {
        if (ResultPaths.problem(path) != null) {
            throw new IllegalArgumentException("bad path");
        }
        return job(jobId) + path;
    }

    /** The key of a staged upload. */
    public String staging(String jobId, String stagingId) {
        if (stagingId == null || !stagingId.matches("[A-Za-z0-9-]{1,64}")) {
            throw new IllegalArgumentException("bad staging id");
        }
        return job(jobId) + ResultPaths.STAGING + "/" + stagingId;
    }

    /** The path of a key of the job, or null for a staged upload or a key of another job. */
    public String path(String jobId, String key) {
        String job = job(jobId);
        if (!key.startsWith(job)) {
            return null;
        }
        String path = key.substring(job.length());
        return path.startsWith(ResultPaths.STAGING + "/") || path.isEmpty() ? null : path;
    }

    /** The folders a path lies in, nearest first: {@code a/b/c.txt} → {@code a/b}, {@code a}. */
    public static java.util.List<String> folders(String path) {
        java.util.List<String> out = new java.util.ArrayList<>();
        for (int i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
            out.add(path.substring(0, i));
        }
        return out;
    }
}
