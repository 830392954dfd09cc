package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.PersistenceContext;
import jakarta.transaction.Status;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import org.aitbc.coordinator.domain.LogOffsets;
import org.aitbc.coordinator.domain.LogStream;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;
import org.aitbc.coordinator.infrastructure.storage.LiveLogStore;
import org.aitbc.coordinator.infrastructure.storage.LogWaiters;

/**
 * The live logs of running jobs as rows of the database every server shares: the chunks of each
 * stream ({@link JobLogChunk}, at most {@link LogChunks#pieceBytes} each, an append's bytes
 * split) and where the stream stands ({@link JobLogHead}: first offset kept, end). The home of
 * live logs when {@code aitbc.logs.store} is {@code database}, or {@code auto} with
 * {@code aitbc.results.store=s3}: servers that share no folder see each other's appends.
 *
 * <p>An append joins the caller's transaction, the one whose lease check locked the job's row
 * ({@code LogService}): the chunks, the head's move and the lease check commit together or not at
 * all, so that no byte is stored for a miner that lost the job, a rolled-back try leaves nothing to
 * compare against on its retry, and the row lock orders the appends to one job on every server
 * (no lock of this class's own is needed). Past {@code aitbc.logs.max.bytes} the oldest chunks are
 * deleted in the same transaction, the offsets counting on ({@link LogChunks}). Deleting the job's
 * results deletes its rows in the purge's transaction ({@link #deleteAll}).
 *
 * <p>Reads hold no transaction: the head by primary key, then the chunks from the one that holds
 * the offset. A stream's bytes for the result package are streamed a few chunks at a time, never
 * all in memory. Readers on this server are woken after an append commits (before it the bytes
 * are not visible); readers on other servers see them at their next re-check.
 */
@ApplicationScoped
@Typed(DatabaseLogStore.class)
public class DatabaseLogStore implements LiveLogStore {
    /** Chunks read per query when streaming a whole stream: at most 2 MiB held at once. */
    private static final int BATCH = 32;

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Inject
    CoordinatorConfig config;

    @Resource(lookup = "java:comp/TransactionSynchronizationRegistry")
    TransactionSynchronizationRegistry transactions;

    private final LogWaiters waiters = new LogWaiters();
    private long maxBytes;
    private int pieceBytes;

    @PostConstruct
    void init() {
        maxBytes = config.logsMaxBytes();
        pieceBytes = LogChunks.pieceBytes(maxBytes);
    }

    private static String checked(String jobId) {
        if (jobId == null || !jobId.matches("[A-Za-z0-9_]{1,64}")) {
            throw new IllegalArgumentException("bad job id");
        }
        return jobId;
    }

    @Override
    public long[] position(String jobId, LogStream stream) {
        List<Object[]> rows = em.createQuery(
                        "SELECT h.keptFrom, h.endOffset FROM JobLogHead h WHERE h.jobId = :j AND h.stream = :s",
                        Object[].class)
                .setParameter("j", checked(jobId))
                .setParameter("s", stream.wire())
                .getResultList();
        if (rows.isEmpty()) {
            return new long[] {0, 0};
        }
        return new long[] {((Number) rows.get(0)[0]).longValue(), ((Number) rows.get(0)[1]).longValue()};
    }

    @Override
    public LogOffsets.Appended append(String jobId, LogStream stream, Long offset, byte[] data)
            throws OffsetConflictException {
        JobLogHead head = em.find(JobLogHead.class, new JobLogHead.Key(checked(jobId), stream.wire()));
        long end = head == null ? 0 : head.end();
        long keptFrom = head == null ? 0 : head.keptFrom();
        LogOffsets.Plan plan = LogOffsets.plan(end, offset, data.length);
        if (plan.refused()) {
            throw OffsetConflictException.past(stream, offset, end);
        }
        if (plan.compare() > 0 && !same(jobId, stream, plan.offset(), data, (int) plan.compare(), keptFrom)) {
            throw OffsetConflictException.differs(stream, offset, end);
        }
        int from = (int) plan.compare();
        if (from < data.length) {
            if (head == null) {
                head = new JobLogHead(jobId, stream.wire());
                em.persist(head);
            }
            List<JobLogChunk> written = new java.util.ArrayList<>();
            long last = end;
            for (int pos = from; pos < data.length; ) {
                int n = Math.min(data.length - pos, pieceBytes);
                JobLogChunk c = new JobLogChunk(jobId, stream.wire(), end, Arrays.copyOfRange(data, pos, pos + n));
                em.persist(c);
                written.add(c);
                last = end;
                end += n;
                pos += n;
            }
            em.flush();
            // Inserted: the transaction need not hold the bytes until it commits.
            written.forEach(em::detach);
            keptFrom = trim(jobId, stream, keptFrom, end, last);
            head.moveTo(keptFrom, end);
        }
        boolean duplicate = data.length > 0 && from >= data.length;
        LogOffsets.Appended done = new LogOffsets.Appended(
                plan.offset(), plan.offset() + data.length, end, data.length - from, duplicate, keptFrom);
        wakeAfterCommit(jobId);
        return done;
    }

    /** Deletes the chunks below the tail the limit keeps, once the stream ends at {@code end}; answers the first offset kept. */
    private long trim(String jobId, LogStream stream, long keptFrom, long end, long lastStart) {
        long threshold = LogChunks.trimBelow(keptFrom, end, maxBytes);
        if (threshold < 0) {
            return keptFrom;
        }
        long start = holding(jobId, stream, threshold);
        long cut;
        if (start < 0) {
            cut = lastStart;
        } else {
            cut = LogChunks.keptFrom(threshold, start, length(jobId, stream, start), end);
        }
        if (cut > keptFrom) {
            em.createQuery("DELETE FROM JobLogChunk c WHERE c.jobId = :j AND c.stream = :s AND c.firstOffset < :cut")
                    .setParameter("j", jobId)
                    .setParameter("s", stream.wire())
                    .setParameter("cut", cut)
                    .executeUpdate();
            return cut;
        }
        return keptFrom;
    }

    /**
     * The first offset of the chunk that holds {@code offset}, or -1 when none does: a read by
     * primary key when a chunk begins there (a follower goes on from where its last read ended),
     * else the highest start in the {@link LogChunks#MAX_PIECE} below it.
     */
    private long holding(String jobId, LogStream stream, long offset) {
        Long exact = em
                .createQuery(
                        "SELECT c.firstOffset FROM JobLogChunk c WHERE c.jobId = :j AND c.stream = :s"
                                + " AND c.firstOffset = :o",
                        Long.class)
                .setParameter("j", jobId)
                .setParameter("s", stream.wire())
                .setParameter("o", offset)
                .getResultList()
                .stream()
                .findFirst()
                .orElse(null);
        if (exact != null) {
            return exact;
        }
        Long below = em.createQuery(
                        "SELECT MAX(c.firstOffset) FROM JobLogChunk c WHERE c.jobId = :j AND c.stream = :s"
                                + " AND c.firstOffset > :lo AND c.firstOffset <= :o",
                        Long.class)
                .setParameter("j", jobId)
                .setParameter("s", stream.wire())
                .setParameter("lo", offset - LogChunks.MAX_PIECE)
                .setParameter("o", offset)
                .getSingleResult();
        return below == null ? -1 : below;
    }

    private int length(String jobId, LogStream stream, long start) {
        return em.createQuery(
                        "SELECT c.byteCount FROM JobLogChunk c WHERE c.jobId = :j AND c.stream = :s"
                                + " AND c.firstOffset = :o",
                        Integer.class)
                .setParameter("j", jobId)
                .setParameter("s", stream.wire())
                .setParameter("o", start)
                .getSingleResult();
    }

    /** Whether the stored bytes from {@code offset} are the first {@code n} of {@code data}; unkept ones count as equal. */
    private boolean same(String jobId, LogStream stream, long offset, byte[] data, int n, long keptFrom) {
        int skip = (int) Math.min(n, Math.max(0, keptFrom - offset));
        byte[] stored = bytes(jobId, stream, offset + skip, n - skip);
        return stored.length == n - skip && Arrays.equals(stored, 0, stored.length, data, skip, n);
    }

    /** Bytes {@code [from, from + n)} as stored; fewer when the stream ends there or a chunk went meanwhile. */
    private byte[] bytes(String jobId, LogStream stream, long from, int n) {
        if (n <= 0) {
            return new byte[0];
        }
        long start = holding(jobId, stream, from);
        if (start < 0) {
            return new byte[0];
        }
        List<Object[]> rows = em.createQuery(
                        "SELECT c.firstOffset, c.bytes FROM JobLogChunk c WHERE c.jobId = :j AND c.stream = :s"
                                + " AND c.firstOffset >= :a AND c.firstOffset < :b ORDER BY c.firstOffset",
                        Object[].class)
                .setParameter("j", jobId)
                .setParameter("s", stream.wire())
                .setParameter("a", start)
                .setParameter("b", from + n)
                .getResultList();
        byte[] out = new byte[n];
        int got = 0;
        for (Object[] row : rows) {
            long at = ((Number) row[0]).longValue();
            byte[] b = (byte[]) row[1];
            if (at > from + got) {
                break; // a gap: a chunk went while this read ran
            }
            int[] part = LogChunks.overlap(at, b.length, from + got, n - got);
            System.arraycopy(b, part[0], out, got, part[1]);
            got += part[1];
        }
        return got == n ? out : Arrays.copyOf(out, got);
    }

    @Override
    public Chunk read(String jobId, LogStream stream, long offset, int max) {
        long[] pos = position(jobId, stream);
        long keptFrom = pos[0];
        long end = pos[1];
        long from = Math.max(offset, keptFrom);
        if (from >= end || max <= 0) {
            return new Chunk(from, new byte[0], from, end, keptFrom);
        }
        byte[] bytes = bytes(jobId, stream, from, (int) Math.min(max, end - from));
        return new Chunk(from, bytes, from + bytes.length, end, keptFrom);
    }

    @Override
    public InputStream openAll(String jobId, LogStream stream) {
        long start = position(jobId, stream)[0];
        return new InputStream() {
            private long next = start;
            private final Deque<byte[]> pending = new ArrayDeque<>();
            private byte[] current = new byte[0];
            private int at;
            private boolean done;

            private boolean fill() {
                while (at >= current.length) {
                    if (pending.isEmpty() && !done) {
                        batch();
                    }
                    if (pending.isEmpty()) {
                        return false;
                    }
                    current = pending.poll();
                    at = 0;
                }
                return true;
            }

            /** The next few chunks, from where the last one ended (chunks are contiguous). */
            private void batch() {
                List<Object[]> rows = em.createQuery(
                                "SELECT c.firstOffset, c.bytes FROM JobLogChunk c WHERE c.jobId = :j"
                                        + " AND c.stream = :s AND c.firstOffset >= :a ORDER BY c.firstOffset",
                                Object[].class)
                        .setParameter("j", jobId)
                        .setParameter("s", stream.wire())
                        .setParameter("a", next)
                        .setMaxResults(BATCH)
                        .getResultList();
                for (Object[] row : rows) {
                    byte[] b = (byte[]) row[1];
                    pending.add(b);
                    next = ((Number) row[0]).longValue() + b.length;
                }
                done = rows.size() < BATCH;
            }

            @Override
            public int read() {
                return fill() ? current[at++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (len == 0) {
                    return 0;
                }
                if (!fill()) {
                    return -1;
                }
                int n = Math.min(len, current.length - at);
                System.arraycopy(current, at, b, off, n);
                at += n;
                return n;
            }
        };
    }

    @Override
    public boolean exists(String jobId, LogStream stream) {
        return !em.createQuery("SELECT h.endOffset FROM JobLogHead h WHERE h.jobId = :j AND h.stream = :s", Long.class)
                .setParameter("j", checked(jobId))
                .setParameter("s", stream.wire())
                .getResultList()
                .isEmpty();
    }

    @Override
    public void deleteAll(String jobId) throws IOException {
        em.createQuery("DELETE FROM JobLogChunk c WHERE c.jobId = :j")
                .setParameter("j", checked(jobId))
                .executeUpdate();
        em.createQuery("DELETE FROM JobLogHead h WHERE h.jobId = :j")
                .setParameter("j", jobId)
                .executeUpdate();
    }

    /** How many chunk rows the database holds, of every job (the {@code aitbc.logs.database.chunks} gauge). */
    public long chunkRows() {
        return em.createQuery("SELECT COUNT(c) FROM JobLogChunk c", Long.class).getSingleResult();
    }

    @Override
    public void listen(String jobId, Runnable r) {
        waiters.listen(jobId, r);
    }

    @Override
    public void unlisten(String jobId, Runnable r) {
        waiters.unlisten(jobId, r);
    }

    /** Wakes this server's readers once the append's transaction committed: before that they would not see it. */
    private void wakeAfterCommit(String jobId) {
        if (transactions.getTransactionKey() == null) {
            waiters.wake(jobId);
            return;
        }
        transactions.registerInterposedSynchronization(new Synchronization() {
            @Override
            public void beforeCompletion() {}

            @Override
            public void afterCompletion(int status) {
                if (status == Status.STATUS_COMMITTED) {
                    waiters.wake(jobId);
                }
            }
        });
    }
}
