package org.aitbc.coordinator.infrastructure;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.TypedQuery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
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
            try (java.sql.Connection c = dataSource.getConnection()) {
                d = c.getMetaData().getDatabaseProductName().toLowerCase(java.util.Locale.ROOT).contains("derby");
            } catch (java.sql.SQLException e) {
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
        jakarta.persistence.Query query = em.createNativeQuery(sql.toString());
        for (int i = 0; i < args.size(); i++) {
            query.setParameter(i + 1, args.get(i));
        }
        List<String> ids = new ArrayList<>();
        for (Object row : query.getResultList()) {
            ids.add(row instanceof Object[] a ? (String) a[0] : (String) row);
        }
        return ids;
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
     *
     * <p>In two steps: the page's keys (id, creation time) from the index that holds exactly those
     * columns in that order, then the jobs by id. Asked for whole rows at once, Derby's optimizer,
     * which does not weigh the page's row limit, reads every matching job and sorts them when the
     * client has many (seconds at 200,000 jobs, docs/BENCHMARKS.md); the key query is answered from
     * the index alone, in order, and stops after the page. Several states are read one at a time
     * (each an index range in order) and merged: Derby cannot walk a list of states in order.
     */
    public List<Job> page(JobQuery query, int limit) {
        List<Object[]> keys;
        if (query.states() == null || query.states().size() <= 1) {
            keys = keyPage(query, query.states() == null || query.states().isEmpty() ? null
                    : query.states().iterator().next(), limit);
        } else {
            keys = new ArrayList<>();
            for (JobState s : query.states()) {
                keys.addAll(keyPage(query, s, limit));
            }
            keys.sort(java.util.Comparator.<Object[]>comparingLong(k -> (Long) k[1]).reversed()
                    .thenComparing(k -> (String) k[0], java.util.Comparator.reverseOrder()));
            if (keys.size() > limit) {
                keys = keys.subList(0, limit);
            }
        }
        if (keys.isEmpty()) {
            return List.of();
        }
        java.util.Map<String, Job> byId = new java.util.HashMap<>();
        for (Job j : em.createQuery("SELECT j FROM Job j WHERE j.id IN :ids", Job.class)
                .setParameter("ids", keys.stream().map(k -> (String) k[0]).toList()).getResultList()) {
            byId.put(j.getId(), j);
        }
        List<Job> out = new ArrayList<>(keys.size());
        for (Object[] k : keys) {
            Job j = byId.get((String) k[0]);
            if (j != null) {
                out.add(j);
            }
        }
        return out;
    }

    /** Ids and creation times of a page, newest first, for one state or (state null) any. */
    private List<Object[]> keyPage(JobQuery query, JobState state, int limit) {
        StringBuilder q = new StringBuilder("SELECT j.id, j.createdMs FROM Job j WHERE 1 = 1");
        JobQuery one = new JobQuery(query.clientId(), state == null ? null : List.of(state), query.fromMs(),
                query.toMs(), query.cursorCreatedMs(), query.cursorId());
        where(q, one);
        if (query.cursorCreatedMs() != null) {
            // The first conjunct bounds the index range; the second breaks ties within one millisecond.
            q.append(" AND j.createdMs <= :cc AND (j.createdMs < :cc OR j.id < :cid)");
        }
        q.append(" ORDER BY j.createdMs DESC, j.id DESC");
        TypedQuery<Object[]> tq = em.createQuery(q.toString(), Object[].class);
        bind(tq, one);
        if (query.cursorCreatedMs() != null) {
            tq.setParameter("cc", query.cursorCreatedMs()).setParameter("cid", query.cursorId());
        }
        return tq.setMaxResults(limit).getResultList();
    }

    private static final long DAY_MS = 86_400_000L;

    /**
     * How many jobs match the query (its cursor aside). Jobs in a final state never change again and
     * are counted per client, day of submission and status in DAILY_STATS (in the transaction that
     * ended them): the whole days of the range come from those counters, and only the partial days
     * at its edges and the active states (few jobs) are counted in the job index, one state at a
     * time. A count over the job index alone grows with the history (linearly in the matching
     * jobs on Derby; see docs/BENCHMARKS.md).
     */
    public long count(JobQuery query) {
        java.util.Set<JobState> states = query.states() == null || query.states().isEmpty()
                ? java.util.EnumSet.allOf(JobState.class) : java.util.EnumSet.copyOf(query.states());
        long total = 0;
        List<JobState> ended = new ArrayList<>();
        for (JobState s : states) {
            if (s.isFinal()) {
                ended.add(s);
            } else {
                total += countIndexed(query.clientId(), s, query.fromMs(), query.toMs());
            }
        }
        if (ended.isEmpty()) {
            return total;
        }
        // Whole days [firstDay, endDay) from the counters; the rest of [from, to) from the index.
        long firstDay = query.fromMs() == null ? Long.MIN_VALUE : Math.floorDiv(query.fromMs() + DAY_MS - 1, DAY_MS);
        long endDay = query.toMs() == null ? Long.MAX_VALUE : Math.floorDiv(query.toMs(), DAY_MS);
        if (firstDay >= endDay) {
            for (JobState s : ended) {
                total += countIndexed(query.clientId(), s, query.fromMs(), query.toMs());
            }
            return total;
        }
        StringBuilder q = new StringBuilder("SELECT SUM(s.jobs) FROM DailyStats s WHERE s.status IN :statuses");
        if (query.clientId() != null) {
            q.append(" AND s.clientId = :client");
        }
        if (firstDay != Long.MIN_VALUE) {
            q.append(" AND s.epochDay >= :first");
        }
        if (endDay != Long.MAX_VALUE) {
            q.append(" AND s.epochDay < :end");
        }
        TypedQuery<Long> tq = em.createQuery(q.toString(), Long.class)
                .setParameter("statuses", ended.stream().map(JobState::wire).toList());
        if (query.clientId() != null) {
            tq.setParameter("client", query.clientId());
        }
        if (firstDay != Long.MIN_VALUE) {
            tq.setParameter("first", firstDay);
        }
        if (endDay != Long.MAX_VALUE) {
            tq.setParameter("end", endDay);
        }
        Long counted = tq.getSingleResult();
        total += counted == null ? 0 : counted;
        for (JobState s : ended) {
            if (firstDay != Long.MIN_VALUE && query.fromMs() < firstDay * DAY_MS) {
                total += countIndexed(query.clientId(), s, query.fromMs(), firstDay * DAY_MS);
            }
            if (endDay != Long.MAX_VALUE && endDay * DAY_MS < query.toMs()) {
                total += countIndexed(query.clientId(), s, endDay * DAY_MS, query.toMs());
            }
        }
        return total;
    }

    /**
     * Jobs of one state created in [from, to): one equality on the state, so that Derby reads a
     * range of IX_JOB_CLIENT_STATE_NEWEST (with a list of states it scans all the client's jobs).
     */
    private long countIndexed(String clientId, JobState state, Long fromMs, Long toMs) {
        StringBuilder q = new StringBuilder("SELECT COUNT(j) FROM Job j WHERE j.state = :state");
        if (clientId != null) {
            q.append(" AND j.clientId = :client");
        }
        if (fromMs != null) {
            q.append(" AND j.createdMs >= :from");
        }
        if (toMs != null) {
            q.append(" AND j.createdMs < :to");
        }
        TypedQuery<Long> tq = em.createQuery(q.toString(), Long.class).setParameter("state", state);
        if (clientId != null) {
            tq.setParameter("client", clientId);
        }
        if (fromMs != null) {
            tq.setParameter("from", fromMs);
        }
        if (toMs != null) {
            tq.setParameter("to", toMs);
        }
        return tq.getSingleResult();
    }

    private static void where(StringBuilder q, JobQuery query) {
        if (query.clientId() != null) {
            q.append(" AND j.clientId = :client");
        }
        if (query.states() != null && query.states().size() == 1) {
            q.append(" AND j.state = :state");
        } else if (query.states() != null && !query.states().isEmpty()) {
            q.append(" AND j.state IN :states");
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
        if (query.states() != null && query.states().size() == 1) {
            tq.setParameter("state", query.states().iterator().next());
        } else if (query.states() != null && !query.states().isEmpty()) {
            tq.setParameter("states", query.states());
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

    /**
     * Jobs not yet ended, by state: few, counted one state at a time from the index (a grouped
     * count over a list of states made Derby read every job of the client: seconds at 1,000,000).
     */
    public List<Object[]> activeCounts(String clientId, long fromMs, long toMs) {
        List<Object[]> out = new ArrayList<>();
        for (JobState s : List.of(JobState.PENDING, JobState.ASSIGNED, JobState.RUNNING, JobState.CANCELING)) {
            long n = countIndexed(clientId, s, fromMs, toMs);
            if (n > 0) {
                out.add(new Object[] {s, n});
            }
        }
        return out;
    }

    /** The filters of a job listing; {@code toMs} is exclusive. */
    public record JobQuery(String clientId, Collection<JobState> states, Long fromMs, Long toMs,
                           Long cursorCreatedMs, String cursorId) {
    }
}
