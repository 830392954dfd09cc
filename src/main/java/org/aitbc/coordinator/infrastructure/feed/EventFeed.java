package org.aitbc.coordinator.infrastructure.feed;

import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.EJB;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.domain.JobEvent;
import org.aitbc.coordinator.infrastructure.persistence.JobsChanged;
import org.aitbc.coordinator.infrastructure.persistence.SqlDialect;

/**
 * The one dispatcher of job events on this server: a managed thread that reads the event table
 * by id ({@code id > watermark}) and hands each committed event, in id order and exactly once, to
 * the listener (the application's feed, which passes it on to the WebSocket connections). Nothing
 * lives only in memory: every server sharing the database runs its own dispatcher over the same
 * table and so delivers every event, whichever server wrote it. Gaps it skips and events it
 * delivers late are counted in {@link GapMetrics}.
 *
 * <p>A commit on this server wakes the thread at once (the {@code AFTER_SUCCESS} observer only
 * signals; it never slows the request that made the change); otherwise it reads every
 * {@code aitbc.ws.poll.interval.ms}, which is how events written by other servers arrive. Ids that
 * commit out of order are handled by {@link CommitHorizon}; while it holds a gap the thread reads
 * again every few milliseconds. Skipped gaps are looked for again for
 * {@code aitbc.ws.gap.recheck.seconds}; an event that appears in one is handed over as late.
 */
@ApplicationScoped
public class EventFeed {
    private static final Logger LOG = Logger.getLogger(EventFeed.class.getName());
    private static final int BATCH = 500;
    private static final long HOLD_POLL_MS = 5;
    private static final long RECHECK_EVERY_MS = 500;
    /** Larger skipped runs are sequence jumps (e.g. after a crash), not transactions: not rechecked. */
    private static final long RECHECK_MAX_RANGE = 1000;

    private static final int RECHECK_MAX_RANGES = 200;

    /** Receives events on the dispatcher thread, in id order. */
    public interface Listener {
        void released(List<JobEvent> events);

        /** Events that committed after their gap had been skipped: out of order, but not lost. */
        void late(List<JobEvent> events);
    }

    @EJB
    EventLog log;

    @Inject
    EventWriters writers;

    @Inject
    FeedSettings settings;

    @Inject
    GapMetrics gaps;

    @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
    ManagedThreadFactory threads;

    @Inject
    SqlDialect dialect;

    private final Object monitor = new Object();
    private boolean signaled;
    private volatile boolean running;
    private Thread thread;
    private CommitHorizon horizon;
    private final List<Skipped> skipped = new ArrayList<>();
    private long lastRecheckNanos;

    private record Skipped(CommitHorizon.Range range, long untilNanos, Set<Long> seen) {}

    void onCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobsChanged change) {
        signal();
    }

    private void signal() {
        synchronized (monitor) {
            signaled = true;
            monitor.notifyAll();
        }
    }

    /**
     * Starts the dispatcher from the current end of the table; returns that event id: every event
     * after it will be handed to the listener.
     */
    public synchronized long start(Listener listener) {
        if (thread != null) {
            throw new IllegalStateException("the event feed is already running");
        }
        long grace = dialect.isShared() ? settings.gapGraceMs() : 0;
        long start = log.maxId();
        horizon = new CommitHorizon(start, TimeUnit.MILLISECONDS.toNanos(grace));
        running = true;
        thread = threads.newThread(() -> run(listener));
        thread.setName("aitbc-event-feed");
        thread.setDaemon(true);
        thread.start();
        LOG.info("event feed started after event " + start + "; gap grace " + grace + " ms");
        return start;
    }

    @PreDestroy
    void stop() {
        running = false;
        Thread t;
        synchronized (this) {
            t = thread;
        }
        if (t != null) {
            t.interrupt();
        }
    }

    private void run(Listener listener) {
        long failures = 0;
        while (running) {
            try {
                boolean more = readOnce(listener);
                failures = 0;
                if (!more) {
                    await(horizon.holding() ? HOLD_POLL_MS : settings.pollIntervalMs());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                // The database may be briefly unreachable; the watermark is kept, nothing is lost.
                failures++;
                if (failures == 1 || failures % 60 == 0) {
                    LOG.log(Level.WARNING, "event feed read failed (" + failures + " in a row); retrying", e);
                }
                try {
                    Thread.sleep(Math.min(1000, 50 * failures));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** One read and its hand-over; true when the read was full and more may wait. */
    private boolean readOnce(Listener listener) {
        long closedBelow = writers.closedBelow();
        List<JobEvent> rows = log.after(horizon.watermark(), BATCH);
        long issued = writers.issued();
        long now = System.nanoTime();
        long[] ids = new long[rows.size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = rows.get(i).getId();
        }
        CommitHorizon.Advance advance = horizon.advance(ids, closedBelow, issued, now);
        for (CommitHorizon.Range r : advance.skipped()) {
            gaps.gapsSkipped(r.size());
            if (r.size() <= RECHECK_MAX_RANGE && skipped.size() < RECHECK_MAX_RANGES) {
                skipped.add(
                        new Skipped(r, now + TimeUnit.MILLISECONDS.toNanos(settings.gapRecheckMs()), new HashSet<>()));
            }
        }
        if (advance.released() > 0) {
            listener.released(rows.subList(0, advance.released()));
        }
        if (!skipped.isEmpty() && now - lastRecheckNanos > TimeUnit.MILLISECONDS.toNanos(RECHECK_EVERY_MS)) {
            lastRecheckNanos = now;
            recheck(listener, now);
        }
        return rows.size() == BATCH && advance.released() == rows.size();
    }

    private void recheck(Listener listener, long now) {
        for (Iterator<Skipped> it = skipped.iterator(); it.hasNext(); ) {
            Skipped s = it.next();
            if (now > s.untilNanos()) {
                it.remove();
                continue;
            }
            List<JobEvent> late = new ArrayList<>();
            for (JobEvent e : log.between(s.range().from(), s.range().to())) {
                if (s.seen().add(e.getId())) {
                    late.add(e);
                }
            }
            if (!late.isEmpty()) {
                LOG.warning(() -> late.size() + " event(s) committed after their ids had been skipped as never coming ("
                        + s.range() + "); delivered late. Raise aitbc.ws.gap.grace.ms if this repeats.");
                gaps.late(late.size());
                listener.late(late);
            }
        }
    }

    private void await(long ms) throws InterruptedException {
        synchronized (monitor) {
            if (!signaled) {
                monitor.wait(ms);
            }
            signaled = false;
        }
    }
}
