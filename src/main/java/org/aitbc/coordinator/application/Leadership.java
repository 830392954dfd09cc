package org.aitbc.coordinator.application;

import jakarta.annotation.PostConstruct;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.EJB;
import jakarta.ejb.Singleton;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.util.OptionalInt;
import java.util.function.IntSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseCircuit;
import org.aitbc.coordinator.infrastructure.persistence.DatabaseFailures;
import org.aitbc.coordinator.infrastructure.persistence.LeaderLeases;
import org.aitbc.coordinator.infrastructure.persistence.RateWindows;
import org.aitbc.coordinator.infrastructure.persistence.StaleEpochException;

/**
 * Which server leads: the one holding the leadership lease {@value #NAME} in the database, which
 * every server renews or tries to take every {@code aitbc.leader.renew.seconds} ({@link #tick},
 * driven by each server's own timer). Work that must run on one server at a time (the lease
 * sweep, the retention purge) runs only here while this server leads, and each of its writes
 * goes through {@link #fenced}, which checks this server's epoch in the write's own transaction:
 * a leader that was paused past its lease and resumes, still believing it leads, writes nothing.
 *
 * <p>On taking over a lease that nobody had renewed for a while (every server was down), the
 * new leader first gives every miner's lease a fresh period, as miners could not renew either.
 */
@Singleton
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class Leadership {
    private static final Logger LOG = Logger.getLogger(Leadership.class.getName());
    public static final String NAME = "aitbc-leader";
    private static final long LOG_KEEP_MS = 7L * 24 * 3_600_000;
    private static final long HOUSEKEEPING_MS = 5 * 60_000;

    @EJB
    LeaderLeases leases;

    @EJB
    LeaseSweeper sweeper;

    @EJB
    RateWindows rateWindows;

    @Inject
    CoordinatorConfig config;

    private String me;

    /** The epoch this server holds (0: none) and until when, on this server's monotonic clock. */
    private record Term(long epoch, long validUntilNanos) {}

    private volatile Term term = new Term(0, 0);
    private volatile String lastHolder;
    private volatile long lastExpiresMs;
    private volatile long lastHousekeepingMs;
    private volatile long lastTickMs;

    @PostConstruct
    void init() {
        me = identity();
    }

    /**
     * This server's name in the lease: host, Liberty server name (a pair that runs once) and the
     * application's name (a test deploys a second copy of the application into one server).
     */
    static String identity() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        String app;
        try {
            app = InitialContext.doLookup("java:app/AppName");
        } catch (NamingException e) {
            app = "aitbc";
        }
        return host + "/" + System.getProperty("wlp.server.name", "server") + "/" + app;
    }

    /** Renews the lease if this server holds it, else takes it over when it has expired. */
    public void tick() {
        long started = System.nanoTime();
        lastTickMs = System.currentTimeMillis();
        long leaseMs = config.leaderLease().toMillis();
        // A lease unrenewed for longer than a lease and a few renewal periods: nobody was running.
        long vacancyMs = leaseMs + 3 * config.leaderRenew().toMillis() + config.sweepIntervalSeconds() * 1000L;
        Term held = term;
        long myEpoch = held.epoch();
        LeaderLeases.Outcome o;
        try {
            o = leases.acquire(NAME, me, myEpoch, leaseMs, vacancyMs);
            DatabaseCircuit.INSTANCE.succeeded();
        } catch (RuntimeException e) {
            if (DatabaseFailures.isUnavailable(e)) {
                DatabaseCircuit.INSTANCE.failed();
            }
            LOG.log(Level.FINE, "leadership renewal failed", e);
            if (held.epoch() > 0 && System.nanoTime() > held.validUntilNanos()) {
                LOG.warning("leadership epoch " + held.epoch() + " could not be renewed in time; stepping down");
                term = new Term(0, 0);
            }
            return;
        }
        lastHolder = o.holder();
        lastExpiresMs = o.expiresMs();
        if (!o.leads()) {
            if (myEpoch > 0) {
                LOG.warning("leadership epoch " + myEpoch + " was lost to " + o.holder() + "; this server follows");
            }
            term = new Term(0, 0);
            return;
        }
        // Valid a second less than the lease, counted from before the renewal was sent.
        term = new Term(o.epoch(), started + (leaseMs - 1000) * 1_000_000);
        if (o.tookOver()) {
            LOG.info("leadership " + NAME + " acquired by " + me + ": epoch " + o.epoch()
                    + (o.afterVacancy() ? " (nobody led before: miners' leases get a fresh period)" : ""));
            if (o.afterVacancy()) {
                fenced("grace", null, () -> sweeper.graceAfterDowntime());
            }
        }
        housekeeping();
    }

    /** The leader deletes old rows of the epoch log and of rate windows now and then. */
    private void housekeeping() {
        long now = System.currentTimeMillis();
        if (now - lastHousekeepingMs < HOUSEKEEPING_MS) {
            return;
        }
        lastHousekeepingMs = now;
        try {
            leases.purgeLog(now - LOG_KEEP_MS);
            rateWindows.purgeEnded(now - RateWindows.MINUTE);
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "leader housekeeping failed; it runs again later", e);
        }
    }

    /** Whether this server leads now, as far as it knows (its writes are fenced regardless). */
    public boolean leads() {
        Term t = term;
        return t.epoch() > 0 && System.nanoTime() < t.validUntilNanos();
    }

    /** The epoch this server leads under, 0 when it does not. */
    public long epoch() {
        return leads() ? term.epoch() : 0;
    }

    /** Who held the lease at the last renewal this server made, and until when (for health checks). */
    public String lastHolder() {
        return lastHolder;
    }

    /** When this server last tried to renew or take the lease (0: never): shows its clock runs. */
    public long lastTickMs() {
        return lastTickMs;
    }

    public long lastExpiresMs() {
        return lastExpiresMs;
    }

    public String me() {
        return me;
    }

    /**
     * Runs one piece of leader work (which commits in its own transaction) under this server's
     * epoch, or not at all: empty when this server does not lead or its epoch is stale (then it
     * steps down at once). {@code action} and {@code subject} name it in the epoch log.
     */
    public OptionalInt fenced(String action, String subject, IntSupplier work) {
        Term t = term;
        if (t.epoch() == 0 || System.nanoTime() >= t.validUntilNanos()) {
            return OptionalInt.empty();
        }
        try {
            return OptionalInt.of(leases.fenced(NAME, me, t.epoch(), action, subject, work));
        } catch (StaleEpochException e) {
            LOG.warning("leadership epoch " + t.epoch() + " is stale: " + action + " skipped, nothing written");
            if (term == t) {
                term = new Term(0, 0);
            }
            return OptionalInt.empty();
        }
    }

    /** At shutdown: gives the lease up, so that another server takes over at its next renewal. */
    public void release() {
        Term t = term;
        term = new Term(0, 0);
        if (t.epoch() > 0) {
            try {
                leases.release(NAME, me, t.epoch());
                LOG.info("leadership epoch " + t.epoch() + " released");
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "leadership release failed; the lease expires by itself", e);
            }
        }
    }
}
