package org.aitbc.coordinator.it.support;

/**
 * Names of the resources that black-box test classes lock ({@code @ResourceLock}) when they run
 * beside each other (failsafe's default execution runs several classes at once against the one
 * test server). A class that reads what every other class changes is {@code @Isolated} instead;
 * docs/ARCHITECTURE.md ("Tests") says which and why.
 */
public final class Locks {
    /**
     * The two cores: a class that keeps them busy for seconds (a browser, a JVM per CLI command,
     * dozens of concurrent miners or writers, a 64 MiB upload) takes this lock, so that no two of
     * them run at once and starve the others' heartbeats, pings and 8 s leases; each still runs
     * beside the classes that mostly wait.
     */
    public static final String CPU_HEAVY = "cpu-heavy";

    private Locks() {}
}
