package org.aitbc.coordinator.infrastructure.feed;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedThreadFactory;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The WebSocket feed's own sending threads ({@code aitbc-feed-send-N}), apart from the threads that
 * serve REST requests. Liberty's managed executors (the default one, and any
 * {@code managedExecutorService} of server.xml) run their tasks on Liberty's one global thread pool,
 * the pool that also serves HTTP; threads made by the managed thread factory are threads of their
 * own that still carry the application's context, as the event dispatcher's does. So the feed's
 * sends run on a fixed pool of {@code aitbc.ws.send.threads} of them.
 *
 * <p>Bounded: the pool has a fixed size and its queue {@code aitbc.ws.send.queue} tasks; the feed
 * queues at most one task per connection at a time (a connection's "send what is waiting"), so the
 * queue holds at most one entry per open connection. A task offered to a full queue is refused
 * ({@link #offer} answers false) and the caller decides (the feed closes that connection, which
 * then resumes through a replay). The threads live as long as the application.
 */
@ApplicationScoped
public class FeedThreads {
    @Resource(lookup = "java:comp/DefaultManagedThreadFactory")
    ManagedThreadFactory managed;

    @Inject
    FeedSettings settings;

    private ThreadPoolExecutor pool;

    @PostConstruct
    void init() {
        pool = create(settings.sendThreads(), settings.sendQueue(), managed);
    }

    /** A pool of {@code threads} threads and a queue of {@code queue} tasks; {@code factory} null: plain threads (tests). */
    static ThreadPoolExecutor create(int threads, int queue, ThreadFactory factory) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory base = factory != null ? factory : Thread::new;
        ThreadPoolExecutor p = new ThreadPoolExecutor(
                threads,
                threads,
                0,
                TimeUnit.MILLISECONDS,
                new LinkedBlockingQueue<>(Math.max(1, queue)),
                r -> {
                    Thread t = base.newThread(r);
                    t.setName("aitbc-feed-send-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                },
                new ThreadPoolExecutor.AbortPolicy());
        p.prestartAllCoreThreads();
        return p;
    }

    /** For tests: the threads without a container. */
    public static FeedThreads of(int threads, int queue) {
        FeedThreads t = new FeedThreads();
        t.pool = create(threads, queue, null);
        return t;
    }

    /** Runs {@code task} on a feed thread; false when the queue is full (nothing was queued). */
    public boolean offer(Runnable task) {
        try {
            pool.execute(task);
            return true;
        } catch (RejectedExecutionException e) {
            return false;
        }
    }

    /** Whether the current thread is one of the feed's sending threads. */
    public static boolean onFeedThread() {
        return Thread.currentThread().getName().startsWith("aitbc-feed-send-");
    }

    /** Tasks waiting for a thread (for the metrics). */
    public int waiting() {
        return pool.getQueue().size();
    }

    @PreDestroy
    public void stop() {
        pool.shutdownNow();
    }
}
