package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;
import jakarta.persistence.Query;
import jakarta.persistence.TypedQuery;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import org.aitbc.coordinator.domain.Job;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.domain.JobQuery;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.domain.Miner;
import org.aitbc.coordinator.domain.MinerOffer;

/**
 * Jobs in the database: reads by id, by idempotency key, as claim candidates and as listing
 * pages; row locks; and saving a change, which inserts the events the aggregate recorded
 * ({@link JobEventStore}) and counts a job that just ended ({@link DailyCounters}). Every query
 * here is served by an index declared on {@link Job}; none grows with the number of jobs beyond
 * its page. Bulk lease changes are {@link JobLeases}; what differs between databases is asked of
 * {@link SqlDialect}.
 */
@ApplicationScoped
public class JobRepository {
    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    JobEventStore events;

    @Inject
    DailyCounters counters;

    @Inject
    SqlDialect dialect;

    public Job find(String id) {
        return em.find(Job.class, id);
    }

    /** Loads the job and locks its row until the transaction ends, so that racing writers take turns. */
    public Job lock(String id) {
        return em.find(Job.class, id, LockModeType.PESSIMISTIC_WRITE);
    }

    /**
     * Locks the job's row for this transaction if it is pending and no other transaction holds it
     * (another miner's claim): false at once, without waiting, when it is taken or being taken.
     * Where the database cannot skip locked rows (Derby) this answers true and the claim's version
     * check decides alone.
     */
    public boolean lockIfFree(String id) {
        String skip = dialect.skipLocked();
        if (skip == null) {
            return true;
        }
        return skipLockedRow(skip, "SELECT ID FROM JOB WHERE ID = ? AND STATE = ?", id, JobState.PENDING.name());
    }

    /** Whether {@code select ... skip} found (and so locked) its row: false when another transaction holds it. */
    private boolean skipLockedRow(String skip, String select, Object... params) {
        var q = em.createNativeQuery(select + skip);
        for (int i = 0; i < params.length; i++) {
            q.setParameter(i + 1, params[i]);
        }
        return !q.getResultList().isEmpty();
    }

    /**
     * Job {@code id}, locked for this transaction, unless another transaction holds its row: null
     * at once, without waiting, when it does (or when there is no such job). For background work
     * that may pass a job over until its next run: a server that hangs (paused, cut off)
     * mid-transaction keeps its row locks until the database ends its session, and a sweep that
     * waited for them would stall there, holding the leadership lease row meanwhile. On Derby (one
     * server, no skipping) this is {@link #lock}.
     */
    public Job lockUnlessHeld(String id) {
        String skip = dialect.skipLocked();
        if (skip != null && !skipLockedRow(skip, "SELECT ID FROM JOB WHERE ID = ?", id)) {
            return null;
        }
        return lock(id);
    }

    public void add(Job job) {
        em.persist(job);
        saveEvents(job);
    }

    /**
     * Saves a change of a managed job: persists the events the aggregate recorded (announced after
     * commit) and, when the change ended the job, adds it to its day's counters, all in the
     * caller's transaction.
     */
    public void saveEvents(Job job) {
        List<JobEvent> saved = events.append(job);
        if (!saved.isEmpty()
                && job.getState().isFinal()
                && JobEvent.STATUS.equals(saved.get(saved.size() - 1).getType())) {
            counters.countEnded(job);
        }
    }

    public Job findByIdempotencyKey(String clientId, String key) {
        List<Job> found = em.createQuery(
                        "SELECT j FROM Job j WHERE j.clientId = :c AND j.idempotencyKey = :k", Job.class)
                .setParameter("c", clientId)
                .setParameter("k", key)
                .getResultList();
        return found.isEmpty() ? null : found.get(0);
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
        return claimCandidates(miner, MinerOffer.NONE, max);
    }

    /**
     * The candidates for a miner whose registered capabilities also offer GPU names, a CUDA
     * version and a price ({@link MinerOffer}): a job asking for a GPU name, a minimum CUDA
     * version or a highest price is a candidate only when the offer meets it.
     */
    public List<String> claimCandidates(Miner miner, MinerOffer offer, int max) {
        List<String> types = miner.getGpuTypes();
        List<String> models = miner.getModels();
        if (dialect.isDerby()) {
            return uncommittedCandidates(miner, offer, types, models, max);
        }
        StringBuilder q = new StringBuilder("SELECT j.id FROM Job j WHERE j.state = :pending")
                .append(" AND j.gpuCount <= :gpus AND j.minVramGb <= :vram");
        q.append(types.isEmpty() ? " AND j.gpuType IS NULL" : " AND (j.gpuType IS NULL OR j.gpuType IN :types)");
        if (!models.isEmpty()) {
            q.append(" AND (j.model IS NULL OR j.model IN :models)");
        }
        q.append(miner.getRegion() == null ? " AND j.region IS NULL" : " AND (j.region IS NULL OR j.region = :region)");
        q.append(
                offer.gpuNames().isEmpty()
                        ? " AND j.gpuName IS NULL"
                        : " AND (j.gpuName IS NULL OR j.gpuName IN :names)");
        q.append(offer.cuda() == null ? " AND j.minCuda IS NULL" : " AND (j.minCuda IS NULL OR j.minCuda <= :cuda)");
        q.append(
                offer.price() == null
                        ? " AND j.maxPrice IS NULL"
                        : " AND (j.maxPrice IS NULL OR j.maxPrice >= :price)");
        // A job waiting out a retry's back-off is not a candidate yet.
        q.append(" AND (j.notBeforeMs IS NULL OR j.notBeforeMs <= :now)");
        q.append(" ORDER BY j.state, j.priorityRank DESC, j.createdMs ASC");
        TypedQuery<String> query = em.createQuery(q.toString(), String.class)
                .setParameter("pending", JobState.PENDING)
                .setParameter("gpus", Math.max(1, miner.getGpuCount()))
                .setParameter("vram", miner.getMaxVramGb())
                .setParameter("now", System.currentTimeMillis())
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
        if (!offer.gpuNames().isEmpty()) {
            query.setParameter("names", offer.gpuNames());
        }
        if (offer.cuda() != null) {
            query.setParameter("cuda", offer.cuda());
        }
        if (offer.price() != null) {
            query.setParameter("price", offer.price());
        }
        return query.getResultList();
    }

    /** The same query as {@link #claimCandidates} in Derby's SQL, read without locks. */
    private List<String> uncommittedCandidates(
            Miner miner, MinerOffer offer, List<String> types, List<String> models, int max) {
        // The queue's index, named: prepared with parameters, Derby's optimizer chose the lease
        // index and sorted every pending job for each poll (docs/BENCHMARKS.md, issue 15).
        StringBuilder sql = new StringBuilder("SELECT ID FROM JOB")
                .append(dialect.indexHint("IX_JOB_QUEUE"))
                .append(" WHERE STATE = ? AND GPU_COUNT <= ? AND MIN_VRAM_GB <= ?");
        List<Object> args = new ArrayList<>(
                List.of(JobState.PENDING.name(), Math.max(1, miner.getGpuCount()), miner.getMaxVramGb()));
        if (types.isEmpty()) {
            sql.append(" AND GPU_TYPE IS NULL");
        } else {
            sql.append(" AND (GPU_TYPE IS NULL OR GPU_TYPE IN (")
                    .append(marks(types.size()))
                    .append("))");
            args.addAll(types);
        }
        if (!models.isEmpty()) {
            sql.append(" AND (MODEL IS NULL OR MODEL IN (")
                    .append(marks(models.size()))
                    .append("))");
            args.addAll(models);
        }
        if (miner.getRegion() == null) {
            sql.append(" AND REGION IS NULL");
        } else {
            sql.append(" AND (REGION IS NULL OR REGION = ?)");
            args.add(miner.getRegion());
        }
        if (offer.gpuNames().isEmpty()) {
            sql.append(" AND GPU_NAME IS NULL");
        } else {
            sql.append(" AND (GPU_NAME IS NULL OR GPU_NAME IN (")
                    .append(marks(offer.gpuNames().size()))
                    .append("))");
            args.addAll(offer.gpuNames());
        }
        if (offer.cuda() == null) {
            sql.append(" AND MIN_CUDA IS NULL");
        } else {
            sql.append(" AND (MIN_CUDA IS NULL OR MIN_CUDA <= ?)");
            args.add(offer.cuda());
        }
        if (offer.price() == null) {
            sql.append(" AND MAX_PRICE IS NULL");
        } else {
            sql.append(" AND (MAX_PRICE IS NULL OR MAX_PRICE >= ?)");
            args.add(offer.price());
        }
        sql.append(" AND (NOT_BEFORE_MS IS NULL OR NOT_BEFORE_MS <= ?)");
        args.add(System.currentTimeMillis());
        sql.append(" ORDER BY STATE, PRIORITY_RANK DESC, CREATED_MS ASC").append(dialect.derbyUncommittedFirst(max));
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
        return String.join(", ", Collections.nCopies(n, "?"));
    }

    /**
     * A page of a client's (or, for {@code clientId == null}, everyone's) jobs, newest first.
     * Several states are read one state at a time and merged: an equality on the state keeps each
     * read on one ordered index range (Derby cannot keep the order of an index through an
     * {@code IN} list on its second column, and would sort every matching row instead).
     */
    public List<Job> page(JobQuery query, int limit) {
        return page(query, limit, 0);
    }

    /**
     * The same page after skipping {@code offset} matching rows (the older API's offset paging,
     * bounded by the caller): the skipped rows are read as ids from the index only, never loaded.
     */
    public List<Job> page(JobQuery query, int limit, int offset) {
        Collection<JobState> states = query.states();
        List<Row> rows;
        if (states == null || states.size() <= 1) {
            rows = pageIds(query, offset + limit);
        } else {
            rows = new ArrayList<>();
            for (JobState s : states) {
                rows.addAll(pageIds(query.withStates(List.of(s)), offset + limit));
            }
            rows.sort(Comparator.comparingLong(Row::createdMs)
                    .thenComparing(Row::id)
                    .reversed());
        }
        if (rows.size() <= offset) {
            return new ArrayList<>();
        }
        List<String> ids = rows.subList(offset, Math.min(rows.size(), offset + limit)).stream()
                .map(Row::id)
                .toList();
        List<Job> found = new ArrayList<>(em.createQuery("SELECT j FROM Job j WHERE j.id IN :ids", Job.class)
                .setParameter("ids", ids)
                .getResultList());
        found.sort(NEWEST_FIRST);
        return found;
    }

    private static final Comparator<Job> NEWEST_FIRST = Comparator.comparingLong(Job::getCreatedMs)
            .thenComparing(Job::getId)
            .reversed();

    /** One row of a page, as read from the index. */
    private record Row(long createdMs, String id) {}

    /**
     * The first {@code limit} rows' ids and times from a covering index alone (client, state or
     * type, created, id); the rows themselves are then read by primary key. The ids are read by
     * SQL so that Derby can be told the index: its optimizer ignores the row limit and, asked for
     * a page deep in the history or of a rare state, would rather scan another index or the table
     * and sort every matching row. PostgreSQL chooses the index itself.
     */
    private List<Row> pageIds(JobQuery query, int limit) {
        JobState state = query.states() == null || query.states().isEmpty()
                ? null
                : query.states().iterator().next();
        String index;
        if (query.jobType() != null) {
            index = query.clientId() == null ? null : "IX_JOB_CLIENT_TYPE_NEWEST";
        } else {
            index = query.clientId() == null
                    ? (state == null ? "IX_JOB_NEWEST" : null)
                    : (state == null ? "IX_JOB_CLIENT_NEWEST" : "IX_JOB_CLIENT_STATE_NEWEST");
        }
        StringBuilder sql = new StringBuilder("SELECT CREATED_MS, ID FROM JOB");
        if (index != null) {
            sql.append(dialect.indexHint(index));
        }
        sql.append(" WHERE 1 = 1");
        List<Object> params = new ArrayList<>();
        if (query.clientId() != null) {
            sql.append(" AND CLIENT_ID = ?");
            params.add(query.clientId());
        }
        if (query.jobType() != null) {
            sql.append(" AND JOB_TYPE = ?");
            params.add(query.jobType());
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
        List<Object[]> rows =
                nativeQuery(sql.toString(), params).setMaxResults(limit).getResultList();
        List<Row> out = new ArrayList<>(rows.size());
        for (Object[] r : rows) {
            out.add(new Row(((Number) r[0]).longValue(), String.valueOf(r[1])));
        }
        return out;
    }
}
