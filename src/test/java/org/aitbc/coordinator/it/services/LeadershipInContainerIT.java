package org.aitbc.coordinator.it.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ejb.EJB;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.naming.InitialContext;
import javax.sql.DataSource;
import org.aitbc.coordinator.application.Leadership;
import org.aitbc.coordinator.infrastructure.persistence.LeaderLeases;
import org.aitbc.coordinator.infrastructure.persistence.LeaderLogEntry;
import org.aitbc.coordinator.infrastructure.persistence.StaleEpochException;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.Filters;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The leadership lease on the test server's Derby database, with the real transactions and row
 * locks: take-over only after expiry with the next epoch, a stale epoch's fenced write does
 * nothing, a take-over waits for a fenced write in progress, and two servers racing for a fresh
 * lease end with one holder. Lease names of their own keep the application's leadership out of it.
 */
@ExtendWith(ArquillianExtension.class)
public class LeadershipInContainerIT {
    private static final long LEASE_MS = 10_000;

    @Deployment
    public static WebArchive deployment() {
        return ShrinkWrap.create(WebArchive.class, "aitbc-leadership-it.war")
                .addPackages(
                        true,
                        Filters.exclude(".*(DevKeys|JobStateGauges|HealthChecks).*"),
                        "org.aitbc.coordinator.domain",
                        "org.aitbc.coordinator.application",
                        "org.aitbc.coordinator.infrastructure",
                        "org.aitbc.coordinator.interfaces.timers",
                        "org.aitbc.coordinator.wire")
                .addAsResource("META-INF/persistence.xml")
                .addAsResource("META-INF/microprofile-config.properties")
                .addAsLibraries(WarLibraries.all())
                .addClasses(LeadershipInContainerIT.class, Leading.class);
    }

    @EJB
    LeaderLeases leases;

    @EJB
    Leadership leadership;

    private static String name() {
        return "it-lease-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static void expire(String name) throws Exception {
        DataSource ds = InitialContext.doLookup("jdbc/aitbc");
        try (Connection c = ds.getConnection();
                PreparedStatement ps = c.prepareStatement("UPDATE LEADER_LEASE SET EXPIRES_MS = 1 WHERE NAME = ?")) {
            ps.setString(1, name);
            assertEquals(1, ps.executeUpdate());
        }
    }

    @Test
    void aValidLeaseIsRenewedByItsHolderAndTakenOverOnlyAfterItExpires() throws Exception {
        String name = name();
        LeaderLeases.Outcome a = leases.acquire(name, "server-a", 0, LEASE_MS, 30_000);
        assertTrue(a.tookOver());
        assertEquals(1, a.epoch());
        assertTrue(a.afterVacancy(), "nobody held it before");
        LeaderLeases.Outcome b = leases.acquire(name, "server-b", 0, LEASE_MS, 30_000);
        assertFalse(b.leads(), "b follows while a's lease is valid");
        assertEquals("server-a", b.holder());
        LeaderLeases.Outcome renewed = leases.acquire(name, "server-a", 1, LEASE_MS, 30_000);
        assertEquals(1, renewed.epoch());
        assertFalse(renewed.tookOver());
        expire(name);
        LeaderLeases.Outcome taken = leases.acquire(name, "server-b", 0, LEASE_MS, 30_000);
        assertTrue(taken.tookOver());
        assertEquals(2, taken.epoch());
        LeaderLeases.Outcome old = leases.acquire(name, "server-a", 1, LEASE_MS, 30_000);
        assertFalse(old.leads(), "the old holder, back, follows the new one");
    }

    @Test
    void aStaleEpochsFencedWriteDoesNothingAndTheEpochLogShowsOneHolderPerEpoch() throws Exception {
        String name = name();
        leases.acquire(name, "server-a", 0, LEASE_MS, 30_000);
        assertEquals(1, leases.fenced(name, "server-a", 1, "sweep", "job-1", () -> 1));
        expire(name);
        leases.acquire(name, "server-b", 0, LEASE_MS, 30_000);
        AtomicBoolean ran = new AtomicBoolean();
        assertThrows(
                StaleEpochException.class,
                () -> leases.fenced(name, "server-a", 1, "sweep", "job-2", () -> {
                    ran.set(true);
                    return 1;
                }));
        assertFalse(ran.get(), "the stale leader's work never ran");
        assertEquals(1, leases.fenced(name, "server-b", 2, "sweep", "job-3", () -> 1));
        assertEquals(0, leases.fenced(name, "server-b", 2, "sweep", "job-4", () -> 0));
        List<String> log = leases.log(name, 0, 100).stream()
                .map(e -> e.getEpoch() + " " + e.getHolder() + " " + e.getAction() + " "
                        + (e.getAction().equals("acquired") ? "" : e.getSubject()))
                .toList();
        assertEquals(
                List.of(
                        "1 server-a acquired ",
                        "1 server-a sweep job-1",
                        "2 server-b acquired ",
                        "2 server-b sweep job-3"),
                log,
                "only changes are logged, in order, each under its epoch");
    }

    @Test
    void aTakeOverWaitsForAFencedWriteInProgress() throws Exception {
        String name = name();
        leases.acquire(name, "server-a", 0, LEASE_MS, 30_000);
        expire(name);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            CountDownLatch inside = new CountDownLatch(1);
            Future<Integer> write =
                    pool.submit((Callable<Integer>) () -> leases.fenced(name, "server-a", 1, "sweep", "slow", () -> {
                        inside.countDown();
                        try {
                            Thread.sleep(1500);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        return 1;
                    }));
            assertTrue(inside.await(10, TimeUnit.SECONDS));
            long start = System.nanoTime();
            LeaderLeases.Outcome b = leases.acquire(name, "server-b", 0, LEASE_MS, 30_000);
            long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(1, write.get(10, TimeUnit.SECONDS), "the write under the valid epoch went through");
            assertEquals(2, b.epoch());
            assertTrue(waitedMs >= 1000, "the take-over waited for the fenced write's lock: " + waitedMs + " ms");
            List<LeaderLogEntry> log = leases.log(name, 0, 100);
            assertEquals("sweep", log.get(1).getAction(), "the write is logged before the take-over");
            assertEquals(2, log.get(2).getEpoch());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void twoServersRacingForAFreshLeaseEndWithOneHolder() throws Exception {
        String name = name();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<LeaderLeases.Outcome> a = pool.submit(() -> leases.acquire(name, "server-a", 0, LEASE_MS, 30_000));
            Future<LeaderLeases.Outcome> b = pool.submit(() -> leases.acquire(name, "server-b", 0, LEASE_MS, 30_000));
            int leaders = (a.get().leads() ? 1 : 0) + (b.get().leads() ? 1 : 0);
            assertEquals(1, leaders, "one of them leads, the other follows");
            assertEquals(1, Math.max(a.get().epoch(), b.get().epoch()));
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theApplicationsLeadershipLeadsUnderAnEpochAndFencesItsWork() throws Exception {
        Leading.here(leadership);
        long epoch = leadership.epoch();
        assertTrue(epoch >= 1);
        assertEquals(5, leadership.fenced("test", "it", () -> 5).orElseThrow());
        List<LeaderLogEntry> log = leases.log(Leadership.NAME, 0, 100_000);
        LeaderLogEntry last = log.get(log.size() - 1);
        assertEquals(epoch, last.getEpoch());
        assertEquals(leadership.me(), last.getHolder());
        assertEquals("test", last.getAction());
    }
}
