package org.aitbc.coordinator.it.support;

/**
 * The start order ({@code @Order}) of the black-box test classes that run beside each other in
 * failsafe's default execution; unannotated classes come after both. Only the time matters, never
 * the outcome: the pool's idle threads take classes from the front of this order, so the
 * {@code @Isolated} classes run first (each waiting only for the few classes started with it, not
 * for a 70 s one), then the classes that wait longest start early and overlap the short ones.
 */
public final class Schedule {
    /** An {@code @Isolated} class. */
    public static final int ISOLATED = 1;

    /** A class that spends 20 s or more waiting (leases, sweeps, purges, back-off, retention). */
    public static final int LONG_WAITS = 2;

    private Schedule() {}
}
