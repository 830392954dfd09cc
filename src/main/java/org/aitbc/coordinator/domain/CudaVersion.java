package org.aitbc.coordinator.domain;

/**
 * CUDA versions ({@code 12}, {@code 12.4}, {@code 11.8.89}) compared as versions, not as text:
 * {@link #rank} turns one into an integer that orders like the version (major, minor, patch,
 * up to 999 each), so that a job's minimum can be compared with a miner's version in SQL.
 */
public final class CudaVersion {
    private CudaVersion() {}

    /** The version's rank, or null when {@code text} is not a version of one to three numbers. */
    public static Integer rank(String text) {
        if (text == null || !text.trim().matches("\\d{1,3}(\\.\\d{1,3}){0,2}")) {
            return null;
        }
        String[] parts = text.trim().split("\\.");
        int rank = 0;
        for (int i = 0; i < 3; i++) {
            rank = rank * 1000 + (i < parts.length ? Integer.parseInt(parts[i]) : 0);
        }
        return rank;
    }
}
