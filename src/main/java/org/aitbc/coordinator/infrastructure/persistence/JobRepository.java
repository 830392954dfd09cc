package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.Query;
import jakarta.persistence.TypedQuery;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.aitbc.coordinator.domain.DailyStats;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Miner;

/**
 * Jobs and their events in the database. Every query here is served by an index declared on
 * {@link Job} or {@link JobEvent}; none grows with the number of jobs beyond its page.
 */
@ApplicationScoped
public class JobRepository {
    private static final long DAY_MS = 86_400_000L;
    private static final Set<JobState> LEASED = Set.of(JobState.ASSIGNED, JobState.RUNNING, JobState.CANCELING);

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    Event<JobsChanged> changed;

    /**
     * Fired in a transaction that changes jobs, before its events are inserted. Observers with
     * {@code during = AFTER_SUCCESS} learn of the commit (long-polling miners, the event feed).
     */
    public record JobsChanged(boolean queued) {
    }

    public Job find(String id) {
        return em.find(Job.class, id);
    }

    /** Loads the job and locks its row until the transaction ends, so that racing writers take turns. */
    public Job lock(String id) {
        return em.find(Job.class, id, LockModeType.PESSIMISTIC_WRITE);
    }

    public void add(Job job) {
        em.persist(job);
        saveEvents(job);
    }

    /** Persists the events the aggregate recorded and announces the change after commit. */
    public void saveEvents(Job job) {
        List<JobEvent> events = job.drainEvents();
        if (events.isEmpty()) {
            return;
        }
        boolean queued = events.stream().anyMatch(
                e -> JobState.PENDING.wire().equals(e.getStatus()) && JobEvent.STATUS.equals(e.getType()));
        // Fired before the inserts: the event feed's in-transaction observer must learn of this
        // transaction before the database hands out its event ids (see EventWriters).
        changed.fire(new JobsChanged(queued));
        for (JobEvent e : events) {
            em.persist(e);
            if (events.size() > 1) {
                // The database numbers events on insert, and the persistence context does not keep
                // the order of new objects: insert one at a time so that ids follow the changes.
                em.flush();
            }
        }
        if (job.getState().isFinal() && JobEvent.STATUS.equals(events.get(events.size() - 1).getType())) {
            countEnded(job);
        }
    }

    /** Adds a job that just ended to its day's counters, in the same transaction. */
    private void countEnded(Job job) {
        counters(job).add(job);
    }

    /** Adds a later charge of an ended job (storage) to its day's counters. */
    public void addSpent(Job job, java.math.BigDecimal amount) {
        counters(job).addSpent(amount);
    }

    private DailyStats counters(Job job) {
        DailyStats.Key key = new DailyStats.Key(job.getClientId(), DailyStats.epochDay(job.getCreatedMs()),
                job.getState().wire());
        DailyStats row = em.find(DailyStats.class, key, LockModeType.PESSIMISTIC_WRITE);
        if (row == null) {
            // Two first endings of a day may race to insert this row: the loser's transaction
            // fails on the key and is retried as a conflict.
            row = new DailyStats(key.clientId, key.epochDay, key.status);
            em.persist(row);
        }
        return row;
    }

    public Job findByIdempotencyKey(String clientId, String key) {
        List<Job> found = em.createQuery(
                        "SELECT j FROM Job j WHERE j.clientId = :c AND j.idempotencyKey = :k", Job.class)
                .setParameter("c", clientId).setParameter("k", key).getResultList();
        return found.isEmpty() ? null : found.get(0);
    }

    @jakarta.annotation.Resource(lookup = "jdbc/aitbc")
    javax.sql.DataSource dataSource;

    /** Whether the database is Derby (embedded or network); read once. */
    private volatile Boolean derby;

    private boolean derby() {
        Boolean d = derby;
        if (d == null) {
            try (Connection c = dataSource.getConnection()) {
                d = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("derby");
            } catch (SQLException e) {
                return false;
            }
            derby = d;
        }
        return d;
    }

    /**
     * Pending jobs this miner can run, best first: higher priority, then older. A short list, so
     * that a miner that loses the race for the first can try the next.
     *
     * <p>Only a list of candidates: the claim itself is a version-checked update in its own
     * transaction ({@code JobClaimer}), so the list may be read without locks. On Derby, which has
     * no multi-version reads, a locking read waits on every queue-head row that another miner's
     * claim or a client's submission holds until it commits: miners then claimed one after another
     * (claim p50 of hundreds of milliseconds with 16 miners, docs/BENCHMARKS.md). There the list is
     * read with {@code WITH UR} (uncommitted read): a candidate that turns out taken, or never
     * committed, only costs a failed try. PostgreSQL reads never wait on writers.
     */
    public List<String> claimCandidates(Miner miner, int max) {
        List<String> types = miner.getGpuTypes();
        List<String> models = miner.getModels();
        if (derby()) {
            return uncommittedCandidates(miner, types, models, max);
        }
        StringBuilder q = new StringBuilder("SELECT j.id FROM Job j WHERE j.state = :pending")
                .append(" AND j.gpuCount <= :gpus AND j.minVramGb <= :vram");
        q.append(types.isEmpty() ? " AND j.gpuType IS NULL" : " AND (j.gpuType IS NULL OR j.gpuType IN :types)");
        if (!models.isEmpty()) {
            q.append(" AND (j.model IS NULL OR j.model IN :models)");
        }
        q.append(miner.getRegion() == null ? " AND j.region IS NULL" : " AND (j.region IS NULL OR j.region = :region)");
        q.append(" ORDER BY j.state, j.priorityRank DESC, j.createdMs ASC");
        TypedQuery<String> query = em.createQuery(q.toString(), String.class)
                .setParameter("pending", JobState.PENDING)
                .setParameter("gpus", Math.max(1, miner.getGpuCount()))
                .setParameter("vram", miner.getMaxVramGb())
                .setMaxResults(max);
        if (!types.isEmpty()) {
            query.setParameter("types", types);
        }
        if (!models.isEmpty()) {
            query.setParameter("models", models);
        }
        if (miner.getRegion() != null) {
            query.setParameter("region", miner.getRegion());
        }
        return query.getResultList();
    }

    /** The same query as {@link #claimCandidates} in Derby's SQL, read without locks. */
    private List<String> uncommittedCandidates(Miner miner, List<String> types, List<String> models, int max) {
        StringBuilder sql = new StringBuilder("SELECT ID FROM JOB WHERE STATE = ? AND GPU_COUNT <= ? AND MIN_VRAM_GB <= ?");
        List<Object> args = new ArrayList<>(List.of(JobState.PENDING.name(), Math.max(1, miner.getGpuCount()),
                miner.getMaxVramGb()));
        if (types.isEmpty()) {
            sql.append(" AND GPU_TYPE IS NULL");
        } else {
            sql.append(" AND (GPU_TYPE IS NULL OR GPU_TYPE IN (").append(marks(types.size())).append("))");
            args.addAll(types);
        }
        if (!models.isEmpty()) {
            sql.append(" AND (MODEL IS NULL OR MODEL IN (").append(marks(models.size())).append("))");
            args.addAll(models);
        }
        if (miner.getRegion() == null) {
            sql.append(" AND REGION IS NULL");
        } else {
            sql.append(" AND (REGION IS NULL OR REGION = ?)");
            args.add(miner.getRegion());
        }
        sql.append(" ORDER BY STATE, PRIORITY_RANK DESC, CREATED_MS ASC FETCH FIRST ").append(Math.max(1, max))
                .append(" ROWS ONLY WITH UR");
        List<String> ids = new ArrayList<>();
        for (Object row : nativeQuery(sql.toString(), args).getResultList()) {
            ids.add(row instanceof Object[] a ? (String) a[0] : (String) row);
        }
        return ids;
    }

    /** A native query with its positional parameters bound in order. */
    private Query nativeQuery(String sql, List<Object> params) {
        Query q = em.createNativeQuery(sql);
        for (int i = 0; i < params.size(); i++) {
            q.setParameter(i + 1, params.get(i));
        }
        return q;
    }

    private static String marks(int n) {
        return String.join(", ", java.util.Collections.nCopies(n, "?"));
    }

    public long countLeasedBy(String minerId) {
        return em.createQuery("SELECT COUNT(j) FROM Job j WHERE j.minerId = :m AND j.state IN :leased", Long.class)
                .setParameter("m", minerId).setParameter("leased", LEASED).getSingleResult();
    }

    /** Extends the leases of all jobs a miner holds; one statement. */
    public int renewLeases(String minerId, long untilMs) {
        return em.createQuery("UPDATE Job j SET j.leaseExpiresMs = :until, j.version = j.version + 1"
                        + " WHERE j.minerId = :m AND j.state IN :leased")
                .setParameter("until", untilMs).setParameter("m", minerId).setParameter("leased", LEASED)
                .executeUpdate();
    }

    /**
     * Gives every held lease at least until {@code untilMs}. Run when the coordinator starts:
     * miners could not renew while it was down, and that is no reason to take their work away.
     */
    public int extendAllLeases(long untilMs) {
        return em.createQuery("UPDATE Job j SET j.leaseExpiresMs = :until, j.version = j.version + 1"
                        + " WHERE j.state IN :leased AND j.leaseExpiresMs < :until")
                .setParameter("until", untilMs).setParameter("leased", LEASED).executeUpdate();
    }

    public List<String> cancelingJobsOf(String minerId) {
        return em.createQuery("SELECT j.id FROM Job j WHERE j.minerId = :m AND j.state = :s ORDER BY j.id", String.class)
                .setParameter("m", minerId).setParameter("s", JobState.CANCELING).setMaxResults(1000)
                .getResultList();
    }

    /** Ids of jobs whose lease ran out, whose run deadline passed, or that nobody claimed in time. */
    public List<String> overdue(long nowMs, int max) {
        List<String> ids = new ArrayList<>();
        ids.addAll(em.createQuery("SELECT j.id FROM Job j WHERE j.state IN :leased AND j.leaseExpiresMs < :now", String.class)
                .setParameter("leased", LEASED).setParameter("now", nowMs).setMaxResults(max).getResultList());
        ids.addAll(em.createQuery("SELECT j.id FROM Job j WHERE j.state IN :states AND j.deadlineMs < :now", String.class)
                .setParameter("states", List.of(JobState.PENDING, JobState.ASSIGNED, JobState.RUNNING, JobState.CANCELING))
                .setParameter("now", nowMs).setMaxResults(max).getResultList());
        return ids.stream().distinct().toList();
    }

    public List<JobEvent> events(String jobId, long afterId, int max) {
        return em.createQuery("SELECT e FROM JobEvent e WHERE e.jobId = :j AND e.id > :after ORDER BY e.id", JobEvent.class)
                .setParameter("j", jobId).setParameter("after", afterId).setMaxResults(max).getResultList();
    }

    /**
     * A page of a client's (or, for {@code clientId == null}, everyone's) jobs, newest first.
     * Several states are read one state at a time and merged: an equality on the state keeps each
     * read on one ordered index range (Derby cannot keep the order of an index through an
     * {@code IN} list on its second column, and would sort every matching row instead).
     */
    public List<Job> page(JobQuery query, int limit) {
        Collection<JobState> states = query.states();
        if (states == null || states.size() <= 1) {
            return pageOf(query, limit);
        }
        List<Job> merged = new ArrayList<>();
        for (JobState s : states) {
            merged.addAll(pageOf(query.withStates(List.of(s)), limit));
        }
        merged.sort(NEWEST_FIRST);
        return merged.size() > limit ? new ArrayList<>(merged.subList(0, limit)) : merged;
    }

    private static final Comparator<Job> NEWEST_FIRST =
            Comparator.comparingLong(Job::getCreatedMs).thenComparing(Job::getId).reversed();

    /**
     * Two steps: the page's ids from a covering index alone (client, state, created, id), then
     * those rows by primary key. The ids are read by SQL so that Derby can be told the index:
     * its optimizer ignores the row limit and, asked for a page deep in the history or of a
     * rare state, would rather scan another index or the table and sort every matching row.
     * PostgreSQL chooses the index itself.
     */
    private List<Job> pageOf(JobQuery query, int limit) {
        JobState state = query.states() == null || query.states().isEmpty() ? null : query.states().iterator().next();
        String index = query.clientId() == null
                ? (state == null ? "IX_JOB_NEWEST" : null)
                : (state == null ? "IX_JOB_CLIENT_NEWEST" : "IX_JOB_CLIENT_STATE_NEWEST");
        StringBuilder sql = new StringBuilder("SELECT ID FROM JOB");
        if (index != null && derby()) {
            sql.append(" --DERBY-PROPERTIES index=").append(index).append('\n');
        }
        sql.append(" WHERE 1 = 1");
        List<Object> params = new ArrayList<>();
        if (query.clientId() != null) {
            sql.append(" AND CLIENT_ID = ?");
            params.add(query.clientId());
        }
        if (state != null) {
            sql.append(" AND STATE = ?");
            params.add(state.name());
        }
        if (query.fromMs() != null) {
            sql.append(" AND CREATED_MS >= ?");
            params.add(query.fromMs());
        }
        if (query.toMs() != null) {
            sql.append(" AND CREATED_MS < ?");
            params.add(query.toMs());
        }
        if (query.cursorCreatedMs() != null) {
            // The first conjunct bounds the index range; the second breaks ties within one millisecond.
            sql.append(" AND CREATED_MS <= ? AND (CREATED_MS < ? OR ID < ?)");
            params.add(query.cursorCreatedMs());
            params.add(query.cursorCreatedMs());
            params.add(query.cursorId());
        }
        sql.append(" ORDER BY CREATED_MS DESC, ID DESC");
        @SuppressWarnings("unchecked")
        List<Object> rows = nativeQuery(sql.toString(), params).setMaxResults(limit).getResultList();
        if (rows.isEmpty()) {
            return new ArrayList<>();
        }
        List<String> ids = rows.stream().map(String::valueOf).toList();
        List<Job> found = new ArrayList<>(em.createQuery("SELECT j FROM Job j WHERE j.id IN :ids", Job.class)
                .setParameter("ids", ids).getResultList());
        found.sort(NEWEST_FIRST);
        return found;
    }

    /**
     * How many jobs match (the cursor aside), without counting a row per job: ended jobs come from
     * the daily counters for every whole UTC day of the range, and from the index only for the
     * partial days at its edges; jobs not yet ended are few and counted from the index.
     */
    public long count(JobQuery query) {
        Collection<JobState> states = query.states() == null || query.states().isEmpty()
                ? EnumSet.allOf(JobState.class) : EnumSet.copyOf(query.states());
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

    private long endedCount(String clientId, List<JobState> ended, Long fromMs, Long toMs) {
        Long firstDay = fromMs == null ? null : Math.floorDiv(fromMs + DAY_MS - 1, DAY_MS);
        Long endDay = toMs == null ? null : Math.floorDiv(toMs, DAY_MS);
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
            if (fromMs != null && fromMs < firstDay * DAY_MS) {
                n += countRows(clientId, s, fromMs, firstDay * DAY_MS);
            }
            if (toMs != null && endDay * DAY_MS < toMs) {
                n += countRows(clientId, s, endDay * DAY_MS, toMs);
            }
        }
        return n;
    }

    /** Ended jobs submitted on days {@code [fromDay, toDay)} (open where null), from DAILY_STATS. */
    private long endedFromCounters(String clientId, List<JobState> ended, Long fromDay, Long toDay) {
        StringBuilder q = new StringBuilder("SELECT SUM(s.jobs) FROM DailyStats s WHERE s.status IN :st");
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

    /** Rows of one state: an equality on the state keeps the count to one index range. */
    private long countRows(String clientId, JobState state, Long fromMs, Long toMs) {
        StringBuilder q = new StringBuilder("SELECT COUNT(j) FROM Job j WHERE 1 = 1");
        JobQuery one = new JobQuery(clientId, List.of(state), fromMs, toMs, null, null);
        where(q, one);
        TypedQuery<Long> tq = em.createQuery(q.toString(), Long.class);
        bind(tq, one);
        return tq.getSingleResult();
    }

    /** Jobs in each state, for the metrics: the same counters as {@link #count}, never a row per job. */
    public Map<JobState, Long> countByState() {
        Map<JobState, Long> counts = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            counts.put(s, s.isFinal() ? endedFromCounters(null, List.of(s), null, null) : countRows(null, s, null, null));
        }
        return counts;
    }

    private static void where(StringBuilder q, JobQuery query) {
        if (query.clientId() != null) {
            q.append(" AND j.clientId = :client");
        }
        if (query.states() != null && !query.states().isEmpty()) {
            // One state at a time (see count): an equality keeps the count to one index range.
            q.append(" AND j.state = :state");
        }
        if (query.fromMs() != null) {
            q.append(" AND j.createdMs >= :from");
        }
        if (query.toMs() != null) {
            q.append(" AND j.createdMs < :to");
        }
    }

    private static void bind(TypedQuery<?> tq, JobQuery query) {
        if (query.clientId() != null) {
            tq.setParameter("client", query.clientId());
        }
        if (query.states() != null && !query.states().isEmpty()) {
            tq.setParameter("state", query.states().iterator().next());
        }
        if (query.fromMs() != null) {
            tq.setParameter("from", query.fromMs());
        }
        if (query.toMs() != null) {
            tq.setParameter("to", query.toMs());
        }
    }

    /** Counter rows of ended jobs for a client (all clients when null) and a day range, inclusive. */
    public List<DailyStats> dailyStats(String clientId, long fromDay, long toDay) {
        String q = "SELECT s FROM DailyStats s WHERE s.epochDay >= :from AND s.epochDay <= :to"
                + (clientId == null ? "" : " AND s.clientId = :client");
        TypedQuery<DailyStats> tq = em.createQuery(q, DailyStats.class).setParameter("from", fromDay).setParameter("to", toDay);
        if (clientId != null) {
            tq.setParameter("client", clientId);
        }
        return tq.getResultList();
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

    /** The filters of a job listing; {@code toMs} is exclusive. */
    public record JobQuery(String clientId, Collection<JobState> states, Long fromMs, Long toMs,
                           Long cursorCreatedMs, String cursorId) {
        JobQuery withStates(Collection<JobState> only) {
            return new JobQuery(clientId, only, fromMs, toMs, cursorCreatedMs, cursorId);
        }
    }
}
