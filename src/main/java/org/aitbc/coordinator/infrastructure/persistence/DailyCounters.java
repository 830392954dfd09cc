package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.TypedQuery;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.aitbc.coordinator.domain.DailyStats;
import org.aitbc.coordinator.domain.DailyStatsSlot;
import org.aitbc.coordinator.domain.Days;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobQuery;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * The {@code DAILY_STATS} counters (ended jobs per client, UTC day of submission and final
 * status), kept in the transaction that ends a job or charges it later, and the counts built on
 * them: totals of a listing, statistics and the state gauge add up a few rows per day instead of
 * counting a row per job. Jobs not yet ended are few and counted on the state index, one state at
 * a time.
 */
@ApplicationScoped
public class DailyCounters {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    CoordinatorConfig config;

    /** The slot of each request thread: threads serving at the same time take different slots. */
    private static final AtomicInteger NEXT_SLOT = new AtomicInteger();

    private static final ThreadLocal<Integer> THREAD_SLOT =
            ThreadLocal.withInitial(() -> NEXT_SLOT.getAndIncrement() & 0x7fffffff);

    /** Adds a job that just ended to its day's counters, in the same transaction. */
    public void countEnded(Job job) {
        row(job).add(job);
    }

    /** Adds a later charge of an ended job (storage) to its day's counters. */
    public void addSpent(Job job, BigDecimal amount) {
        row(job).addSpent(amount);
    }

    /**
     * The slot row this thread adds to, locked until the commit. Each thread keeps one slot of
     * {@code aitbc.stats.slots}, so that endings running at the same time on different threads
     * take different rows instead of queueing on one (a counter is the sum of its slots).
     */
    private DailyStatsSlot row(Job job) {
        DailyStats.Key counter = DailyStats.keyOf(job.getClientId(), job.getCreatedMs(), job.getState());
        DailyStatsSlot.Key key = new DailyStatsSlot.Key(counter, THREAD_SLOT.get() % Math.max(1, config.statsSlots()));
        DailyStatsSlot row = em.find(DailyStatsSlot.class, key, LockModeType.PESSIMISTIC_WRITE);
        if (row == null) {
            // Two first endings of a day in one slot may race to insert its row: the loser's
            // transaction fails on the key and is retried as a conflict.
            row = new DailyStatsSlot(counter, key.slot);
            em.persist(row);
        }
        return row;
    }

    /**
     * Counters of ended jobs for a client (all clients when null) and a day range, inclusive: one
     * per client, day and status, each the sum of its slots and of its {@code DAILY_STATS} row
     * from before the slots (not managed: values to read).
     */
    public List<DailyStats> dailyStats(String clientId, long fromDay, long toDay) {
        String where = " WHERE s.epochDay >= :from AND s.epochDay <= :to"
                + (clientId == null ? "" : " AND s.clientId = :client");
        Map<DailyStats.Key, DailyStats> sums = new LinkedHashMap<>();
        for (DailyStats row : ranged(
                em.createQuery("SELECT s FROM DailyStats s" + where, DailyStats.class), clientId, fromDay, toDay)) {
            sum(sums, new DailyStats.Key(row.getClientId(), row.getEpochDay(), row.getStatus()))
                    .absorb(row.ended());
        }
        for (DailyStatsSlot row : ranged(
                em.createQuery("SELECT s FROM DailyStatsSlot s" + where, DailyStatsSlot.class),
                clientId,
                fromDay,
                toDay)) {
            sum(sums, row.counter()).absorb(row.ended());
        }
        return new ArrayList<>(sums.values());
    }

    private static DailyStats sum(Map<DailyStats.Key, DailyStats> sums, DailyStats.Key key) {
        return sums.computeIfAbsent(key, k -> new DailyStats(k.clientId, k.epochDay, k.status));
    }

    private static <T> List<T> ranged(TypedQuery<T> tq, String clientId, long fromDay, long toDay) {
        tq.setParameter("from", fromDay).setParameter("to", toDay);
        if (clientId != null) {
            tq.setParameter("client", clientId);
        }
        return tq.getResultList();
    }

    /**
     * How many jobs match (the cursor aside), without counting a row per job: ended jobs come from
     * the daily counters for every whole UTC day of the range, and from the index only for the
     * partial days at its edges; jobs not yet ended are few and counted from the index.
     */
    public long count(JobQuery query) {
        if (query.jobType() != null) {
            return countOfType(query);
        }
        Collection<JobState> states = query.states() == null || query.states().isEmpty()
                ? EnumSet.allOf(JobState.class)
                : EnumSet.copyOf(query.states());
        List<JobState> ended = new ArrayList<>();
        long n = 0;
        for (JobState s : states) {
            if (s.isFinal()) {
                ended.add(s);
            } else {
                n += countRows(query.clientId(), s, query.fromMs(), query.toMs());
            }
        }
        return ended.isEmpty() ? n : n + endedCount(query.clientId(), ended, query.fromMs(), query.toMs());
    }

    /** Jobs in each state, for the metrics: the same counters as {@link #count}, never a row per job. */
    public Map<JobState, Long> countByState() {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            counts.put(
                    s, s.isFinal() ? endedFromCounters(null, List.of(s), null, null) : countRows(null, s, null, null));
        }
        return counts;
    }

    /** Jobs not yet ended, by state: few, and each state counted on its own index range. */
    public Map<JobState, Long> activeCounts(String clientId, long fromMs, long toMs) {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            if (!s.isFinal()) {
                counts.put(s, countRows(clientId, s, fromMs, toMs));
            }
        }
        return counts;
    }

    private long endedCount(String clientId, List<JobState> ended, Long fromMs, Long toMs) {
        Long firstDay = fromMs == null ? null : Days.firstWholeDay(fromMs);
        Long endDay = toMs == null ? null : Days.epochDay(toMs);
        long n = 0;
        if (firstDay != null && endDay != null && firstDay >= endDay) {
            // No whole day inside: the range spans at most parts of two days.
            for (JobState s : ended) {
                n += countRows(clientId, s, fromMs, toMs);
            }
            return n;
        }
        n += endedFromCounters(clientId, ended, firstDay, endDay);
        for (JobState s : ended) {
            if (fromMs != null && fromMs < Days.startMs(firstDay)) {
                long dayStart = Days.startMs(firstDay - 1);
                if (fromMs - dayStart < Days.startMs(firstDay) - fromMs) {
                    // The range starts early in the day: the day's counter less the few rows before the start
                    // reads fewer index entries than the rows after it (days=30 at 1,000,000 jobs: up to a
                    // day's worth of entries per request otherwise).
                    n += endedFromCounters(clientId, List.of(s), firstDay - 1, firstDay)
                            - countRows(clientId, s, dayStart, fromMs);
                } else {
                    n += countRows(clientId, s, fromMs, Days.startMs(firstDay));
                }
            }
            if (toMs != null && Days.startMs(endDay) < toMs) {
                n += countRows(clientId, s, Days.startMs(endDay), toMs);
            }
        }
        return n;
    }

    /**
     * Ended jobs submitted on days {@code [fromDay, toDay)} (open where null): the sum of the
     * counters' slots and of their rows from before the slots.
     */
    private long endedFromCounters(String clientId, List<JobState> ended, Long fromDay, Long toDay) {
        return endedFrom("DailyStatsSlot", clientId, ended, fromDay, toDay)
                + endedFrom("DailyStats", clientId, ended, fromDay, toDay);
    }

    private long endedFrom(String entity, String clientId, List<JobState> ended, Long fromDay, Long toDay) {
        StringBuilder q = new StringBuilder("SELECT SUM(s.ended.jobs) FROM " + entity + " s WHERE s.status IN :st");
        if (clientId != null) {
            q.append(" AND s.clientId = :client");
        }
        if (fromDay != null) {
            q.append(" AND s.epochDay >= :from");
        }
        if (toDay != null) {
            q.append(" AND s.epochDay < :to");
        }
        TypedQuery<Long> tq = em.createQuery(q.toString(), Long.class)
                .setParameter("st", ended.stream().map(JobState::wire).toList());
        if (clientId != null) {
            tq.setParameter("client", clientId);
        }
        if (fromDay != null) {
            tq.setParameter("from", fromDay);
        }
        if (toDay != null) {
            tq.setParameter("to", toDay);
        }
        Long sum = tq.getSingleResult();
        return sum == null ? 0 : sum;
    }

    /**
     * Job rows of one state submitted in {@code [fromMs, toMs)} (open where null): an equality on
     * the state keeps the count to one index range.
     */
    /**
     * The count of one payload type (the older API's {@code job_type}): the counters are not kept
     * per type, so this counts the client's range of {@code IX_JOB_CLIENT_TYPE_NEWEST}, which
     * grows with the client's jobs of that type.
     */
    private long countOfType(JobQuery query) {
        StringBuilder q = new StringBuilder("SELECT COUNT(j) FROM Job j WHERE j.jobType = :type");
        if (query.clientId() != null) {
            q.append(" AND j.clientId = :client");
        }
        boolean byState = query.states() != null && !query.states().isEmpty();
        if (byState) {
            q.append(" AND j.state IN :states");
        }
        if (query.fromMs() != null) {
            q.append(" AND j.createdMs >= :from");
        }
        if (query.toMs() != null) {
            q.append(" AND j.createdMs < :to");
        }
        TypedQuery<Long> tq = em.createQuery(q.toString(), Long.class).setParameter("type", query.jobType());
        if (query.clientId() != null) {
            tq.setParameter("client", query.clientId());
        }
        if (byState) {
            tq.setParameter("states", List.copyOf(query.states()));
        }
        if (query.fromMs() != null) {
            tq.setParameter("from", query.fromMs());
        }
        if (query.toMs() != null) {
            tq.setParameter("to", query.toMs());
        }
        return tq.getSingleResult();
    }

    private long countRows(String clientId, JobState state, Long fromMs, Long toMs) {
        StringBuilder q = new StringBuilder("SELECT COUNT(j) FROM Job j WHERE 1 = 1");
        if (clientId != null) {
            q.append(" AND j.clientId = :client");
        }
        q.append(" AND j.state = :state");
        if (fromMs != null) {
            q.append(" AND j.createdMs >= :from");
        }
        if (toMs != null) {
            q.append(" AND j.createdMs < :to");
        }
        TypedQuery<Long> tq = em.createQuery(q.toString(), Long.class);
        if (clientId != null) {
            tq.setParameter("client", clientId);
        }
        tq.setParameter("state", state);
        if (fromMs != null) {
            tq.setParameter("from", fromMs);
        }
        if (toMs != null) {
            tq.setParameter("to", toMs);
        }
        return tq.getSingleResult();
    }
}
