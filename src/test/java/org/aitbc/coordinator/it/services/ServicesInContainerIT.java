package org.aitbc.coordinator.it.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jakarta.ejb.EJB;
import jakarta.enterprise.inject.spi.Bean;
import jakarta.enterprise.inject.spi.BeanManager;
import jakarta.enterprise.inject.spi.InterceptionType;
import jakarta.enterprise.util.AnnotationLiteral;
import jakarta.inject.Inject;
import jakarta.transaction.UserTransaction;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.naming.InitialContext;
import javax.naming.NamingException;
import org.aitbc.coordinator.application.AccountService;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.ConflictRetry;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.JobService;
import org.aitbc.coordinator.application.Leadership;
import org.aitbc.coordinator.application.LeaseSweeper;
import org.aitbc.coordinator.application.MinerService;
import org.aitbc.coordinator.application.RetryOnConflict;
import org.aitbc.coordinator.domain.Days;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobQuery;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Plan;
import org.aitbc.coordinator.domain.Priority;
import org.aitbc.coordinator.domain.Role;
import org.aitbc.coordinator.infrastructure.observability.SweepStatus;
import org.aitbc.coordinator.infrastructure.persistence.DailyCounters;
import org.aitbc.coordinator.infrastructure.persistence.JobRepository;
import org.aitbc.coordinator.interfaces.timers.SweepTimer;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.Filters;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.WebArchive;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * In-container tests of the EJB services and the sweeper timer: this class runs inside the
 * integration-test server, with the real transactions, persistence context and timer service.
 * The archive carries the domain, application and infrastructure layers and the timers (not the
 * REST layer, and not the development-key and gauge singletons that belong to the deployed
 * application).
 */
@ExtendWith(ArquillianExtension.class)
public class ServicesInContainerIT {

    @Deployment
    public static WebArchive deployment() {
        return ShrinkWrap.create(WebArchive.class, "aitbc-services-it.war")
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
                .addClasses(ServicesInContainerIT.class, Leading.class);
    }

    @EJB
    JobService jobs;

    @EJB
    MinerService miners;

    @EJB
    AccountService accounts;

    @EJB
    LeaseSweeper sweeper;

    @EJB
    SweepTimer timer;

    @EJB
    Leadership leadership;

    @Inject
    SweepStatus sweepStatus;

    @Inject
    BeanManager beans;

    private Caller caller(Role role) {
        AccountService.Created c = accounts.create(role, role == Role.CLIENT ? Plan.ENTERPRISE : null, "in-container");
        return accounts.authenticate(c.apiKey()).orElseThrow();
    }

    private static Job.Spec spec(String region, int ttlSeconds) {
        return new Job.Spec("gpt2", "{}", "{}", null, 1, 0, region, Priority.NORMAL, 600, ttlSeconds, 600);
    }

    private static MinerService.Profile profile(String region) {
        return new MinerService.Profile("{}", List.of(), 1, 0, List.of(), region, 100);
    }

    @Test
    void theConflictRetryIsEnabledByItsPriority() {
        List<Class<?>> found = beans
                .resolveInterceptors(InterceptionType.AROUND_INVOKE, new AnnotationLiteral<RetryOnConflict>() {})
                .stream()
                .map(Bean::getBeanClass)
                .toList();
        assertEquals(List.of(ConflictRetry.class), found);
    }

    @Test
    void aRefusedMinerWriteRollsBackAndChangesNothing() {
        Caller client = caller(Role.CLIENT);
        Caller minerAccount = caller(Role.MINER);
        String region = "ic-" + UUID.randomUUID();
        Job job = jobs.submit(client, spec(region, 600), null, null).job();
        miners.register(minerAccount, region + "-m", profile(region));
        Job claimed = miners.tryClaim(minerAccount, region + "-m");
        assertEquals(job.getId(), claimed.getId());
        assertEquals(JobState.ASSIGNED, jobs.get(client, job.getId()).getState());

        CoordinatorException lost = assertThrows(
                CoordinatorException.class,
                () -> miners.complete(minerAccount, region + "-other", job.getId(), null, "{}", null));
        assertEquals("LEASE_LOST", lost.code());
        Job after = jobs.get(client, job.getId());
        assertEquals(JobState.ASSIGNED, after.getState());
        assertNull(after.getResultJson(), "the refused write left nothing behind");

        miners.complete(minerAccount, region + "-m", job.getId(), 1, "{\"ok\":true}", null);
        assertEquals(JobState.COMPLETED, jobs.get(client, job.getId()).getState());
        assertEquals(4, jobs.events(client, job.getId(), 0, 100).size());
    }

    @Test
    void twoSweepsAtOnceEndAnExpiredJobOnce() throws Exception {
        // Only the leader sweeps: this copy of the application must be it.
        Leading.here(leadership);
        Caller client = caller(Role.CLIENT);
        List<Job> expiring = new ArrayList<>();
        String region = "ic-" + UUID.randomUUID();
        for (int i = 0; i < 20; i++) {
            expiring.add(jobs.submit(client, spec(region, 1), null, null).job());
        }
        Thread.sleep(1500);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<Future<Integer>> runs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            runs.add(pool.submit((Callable<Integer>) () -> sweeper.sweep()));
        }
        for (Future<Integer> f : runs) {
            f.get();
        }
        pool.shutdown();
        for (Job j : expiring) {
            Job now = jobs.get(client, j.getId());
            assertEquals(JobState.FAILED, now.getState());
            assertEquals("EXPIRED", now.getErrorCode());
            long failedEvents = jobs.events(client, j.getId(), 0, 100).stream()
                    .filter(e -> e.getStatus().equals("failed"))
                    .count();
            assertEquals(1, failedEvents, "one sweep ended it; the others found nothing to do");
        }
    }

    @Test
    void theSweeperTimerExistsAndRunsWhileThisServerLeads() throws Exception {
        Leading.here(leadership);
        Instant next = timer.nextRun();
        assertNotNull(next, "the interval timer exists in the timer service");
        Instant seen = sweepStatus.lastRun();
        long until = System.currentTimeMillis() + 15_000;
        while (System.currentTimeMillis() < until
                && (sweepStatus.lastRun() == null || sweepStatus.lastRun().equals(seen))) {
            Thread.sleep(200);
        }
        assertNotNull(sweepStatus.lastRun());
        assertTrue(seen == null || sweepStatus.lastRun().isAfter(seen), "the timer fired again within 15 s");
    }

    @Inject
    JobRepository repository;

    @Inject
    DailyCounters counters;

    private static UserTransaction transaction() throws NamingException {
        return InitialContext.doLookup("java:comp/UserTransaction");
    }

    /**
     * Totals come from the daily counters for whole days and from the index for part-days, and
     * pages of several states are merged from one index range per state: both must agree with
     * the rows themselves for ranges that start and end anywhere in a day.
     */
    @Test
    void totalsAndPagesAgreeWithTheRowsAcrossDayBoundaries() throws Exception {
        long day = Days.MS;
        String client = "ic-count-" + UUID.randomUUID().toString().substring(0, 8);
        long base = (System.currentTimeMillis() / day - 12) * day;
        UserTransaction tx = transaction();
        List<Job> made = new ArrayList<>();
        tx.begin();
        for (int i = 0; i < 60; i++) {
            Instant created = Instant.ofEpochMilli(base + i * 4L * 3_600_000L + 1_234 + (i % 5) * 60_000L);
            Job job = Job.submit(
                    "job_ic" + UUID.randomUUID().toString().replace("-", "").substring(0, 20),
                    client,
                    Plan.PRO,
                    spec("ic-nowhere-" + client, 30 * 86_400),
                    new BigDecimal("0.05"),
                    BigDecimal.ONE,
                    created);
            if (i % 3 != 0) {
                job.cancel(created.plusSeconds(1));
            }
            repository.add(job);
            made.add(job);
        }
        tx.commit();

        Long[][] ranges = {
            {null, null},
            {base + 7 * 3_600_000L, null},
            {null, base + 5 * day + 3 * 3_600_000L},
            {base + day + 13 * 3_600_000L, base + 6 * day + 2 * 3_600_000L},
            {base + 2 * day, base + 5 * day},
            {base + 3 * day + 3_600_000L, base + 3 * day + 20 * 3_600_000L},
            {base + 3 * day + 20 * 3_600_000L, base + 4 * day + 2 * 3_600_000L}
        };
        List<List<JobState>> stateSets = new ArrayList<>();
        stateSets.add(null);
        stateSets.add(List.of(JobState.CANCELED));
        stateSets.add(List.of(JobState.PENDING));
        stateSets.add(List.of(JobState.PENDING, JobState.CANCELED));
        stateSets.add(List.of(JobState.COMPLETED, JobState.FAILED));
        int checked = 0;
        for (Long[] range : ranges) {
            for (List<JobState> states : stateSets) {
                Long from = range[0];
                Long to = range[1];
                List<String> expected = made.stream()
                        .filter(j -> states == null || states.contains(j.getState()))
                        .filter(j -> from == null || j.getCreatedMs() >= from)
                        .filter(j -> to == null || j.getCreatedMs() < to)
                        .sorted(Comparator.comparingLong(Job::getCreatedMs)
                                .thenComparing(Job::getId)
                                .reversed())
                        .map(Job::getId)
                        .toList();
                String what = "states " + states + " from " + from + " to " + to;
                tx.begin();
                try {
                    assertEquals(
                            expected.size(),
                            counters.count(new JobQuery(client, states, from, to, null, null)),
                            "total of " + what);
                    List<String> walked = new ArrayList<>();
                    Job last = null;
                    while (true) {
                        List<Job> page = repository.page(
                                new JobQuery(
                                        client,
                                        states,
                                        from,
                                        to,
                                        last == null ? null : last.getCreatedMs(),
                                        last == null ? null : last.getId()),
                                7);
                        page.forEach(j -> walked.add(j.getId()));
                        if (page.size() < 7) {
                            break;
                        }
                        last = page.get(page.size() - 1);
                    }
                    assertEquals(expected, walked, "pages of " + what);
                } finally {
                    tx.commit();
                }
                checked++;
            }
        }
        assertEquals(35, checked);
        assertTrue(made.stream().anyMatch(j -> j.getState() == JobState.PENDING));
        assertTrue(made.stream().anyMatch(j -> j.getState() == JobState.CANCELED));
    }
}
