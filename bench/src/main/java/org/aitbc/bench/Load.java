package org.aitbc.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The two load shapes, each on its own threads with one connection per thread, latencies in
 * microseconds into HdrHistogram.
 *
 * <p>Closed loop ({@link #closed}): N workers each send a request, wait for it, send the next;
 * the figure is throughput. Open loop ({@link #open}): requests are due at a constant rate
 * (request i at {@code start + i/rate}) whatever the server does; a free worker takes the next
 * due request, waits until its time, sends it, and its latency counts from the <em>intended</em>
 * send time. When the server stalls, the requests that should have gone out meanwhile are late
 * and their lateness is counted, instead of being silently not sent (coordinated omission).
 */
final class Load {
    /** Highest latency the histograms record: 5 minutes, in microseconds. */
    static final long MAX_MICROS = 300_000_000L;

    private Load() {}

    /** One request. Answers whether it succeeded; an exception counts as a failure too. */
    interface Op {
        boolean run(RawHttp http, long index) throws Exception;
    }

    /** What a load produced in its measured window. */
    record Result(long ok, long errors, double seconds, Histogram latency, String firstError, double lateStartMs) {
        double rate() {
            return ok / seconds;
        }

        double p(double percentile) {
            return latency.getTotalCount() == 0 ? Double.NaN : latency.getValueAtPercentile(percentile) / 1000.0;
        }
    }

    static Histogram histogram() {
        return new Histogram(MAX_MICROS, 3);
    }

    /** {@code threads} workers in a closed loop: a warm-up, then {@code measure} counted. */
    static Result closed(URI base, int threads, Duration warmup, Duration measure, Op op) {
        List<Worker> workers = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong startAt = new AtomicLong();
        AtomicLong counter = new AtomicLong();
        for (int t = 0; t < threads; t++) {
            Worker w = new Worker(base);
            workers.add(w);
            w.thread = new Thread(
                    () -> {
                        ready.countDown();
                        await(go);
                        long measureFrom = startAt.get() + warmup.toNanos();
                        long end = measureFrom + measure.toNanos();
                        while (true) {
                            long t0 = System.nanoTime();
                            if (t0 >= end) {
                                break;
                            }
                            boolean ok = w.attempt(op, counter.getAndIncrement());
                            long t1 = System.nanoTime();
                            if (t0 >= measureFrom && t1 <= end) {
                                w.count(ok, t1 - t0);
                            }
                        }
                        w.http.close();
                    },
                    "load-closed-" + t);
            w.thread.start();
        }
        await(ready);
        startAt.set(System.nanoTime());
        go.countDown();
        return join(workers, measure.toNanos() / 1e9, 0);
    }

    /**
     * {@code rate} requests a second on up to {@code connections} connections for warm-up plus
     * measure; requests due in the warm-up are sent but not counted.
     */
    static Result open(URI base, int connections, double rate, Duration warmup, Duration measure, Op op) {
        long periodNanos = (long) (1e9 / rate);
        long total = (long) Math.ceil((warmup.toNanos() + measure.toNanos()) / (double) periodNanos);
        long warmupCount = warmup.toNanos() / periodNanos;
        AtomicLong next = new AtomicLong();
        AtomicLong startAt = new AtomicLong();
        AtomicLong maxLate = new AtomicLong();
        CountDownLatch ready = new CountDownLatch(connections);
        CountDownLatch go = new CountDownLatch(1);
        List<Worker> workers = new ArrayList<>();
        for (int t = 0; t < connections; t++) {
            Worker w = new Worker(base);
            workers.add(w);
            w.thread = new Thread(
                    () -> {
                        ready.countDown();
                        await(go);
                        long start = startAt.get();
                        while (true) {
                            long i = next.getAndIncrement();
                            if (i >= total) {
                                break;
                            }
                            long intended = start + i * periodNanos;
                            long now;
                            while ((now = System.nanoTime()) < intended) {
                                LockSupport.parkNanos(intended - now);
                            }
                            if (i >= warmupCount) {
                                maxLate.accumulateAndGet(now - intended, Math::max);
                            }
                            boolean ok = w.attempt(op, i);
                            long done = System.nanoTime();
                            if (i >= warmupCount) {
                                w.count(ok, done - intended);
                            }
                        }
                        w.http.close();
                    },
                    "load-open-" + t);
            w.thread.start();
        }
        await(ready);
        // A little in the future, so that every worker is parked before the first request is due.
        startAt.set(System.nanoTime() + 20_000_000L);
        go.countDown();
        return join(workers, measure.toNanos() / 1e9, maxLate.get() / 1e6);
    }

    /** Every request of an open-ended open loop: when it was due and how long it took (or that it failed). */
    static final class Trace {
        private long[] due = new long[1 << 16];
        private long[] micros = new long[1 << 16];
        private int n;

        synchronized void add(long dueNanos, long latencyMicros) {
            if (n == due.length) {
                due = java.util.Arrays.copyOf(due, n * 2);
                micros = java.util.Arrays.copyOf(micros, n * 2);
            }
            due[n] = dueNanos;
            micros[n++] = latencyMicros;
        }

        /** Latencies of the requests due in [from, to); failures (recorded as -1) are counted apart. */
        synchronized Result window(long fromNanos, long toNanos) {
            Histogram h = histogram();
            long errors = 0;
            for (int i = 0; i < n; i++) {
                if (due[i] >= fromNanos && due[i] < toNanos) {
                    if (micros[i] < 0) {
                        errors++;
                    } else {
                        h.recordValue(Math.min(MAX_MICROS, micros[i]));
                    }
                }
            }
            return new Result(h.getTotalCount(), errors, (toNanos - fromNanos) / 1e9, h, null, 0);
        }
    }

    /** An open loop at {@code rate} until {@code stop} is set; every request goes into the trace. */
    static Thread openUntil(
            URI base,
            int connections,
            double rate,
            java.util.concurrent.atomic.AtomicBoolean stop,
            Trace trace,
            Op op) {
        long periodNanos = (long) (1e9 / rate);
        AtomicLong next = new AtomicLong();
        long start = System.nanoTime() + 20_000_000L;
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < connections; t++) {
            Worker w = new Worker(base);
            Thread thread = new Thread(
                    () -> {
                        while (!stop.get()) {
                            long i = next.getAndIncrement();
                            long intended = start + i * periodNanos;
                            long now;
                            while ((now = System.nanoTime()) < intended && !stop.get()) {
                                LockSupport.parkNanos(Math.min(intended - now, 50_000_000L));
                            }
                            if (stop.get()) {
                                break;
                            }
                            boolean ok = w.attempt(op, i);
                            trace.add(intended, ok ? (System.nanoTime() - intended) / 1000 : -1);
                        }
                        w.http.close();
                    },
                    "load-trace-" + t);
            threads.add(thread);
            thread.start();
        }
        Thread joiner = new Thread(
                () -> threads.forEach(th -> {
                    try {
                        th.join();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }),
                "load-trace-join");
        joiner.start();
        return joiner;
    }

    private static Result join(List<Worker> workers, double seconds, double lateMs) {
        Histogram all = histogram();
        long ok = 0;
        long errors = 0;
        String first = null;
        for (Worker w : workers) {
            try {
                w.thread.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
            all.add(w.latency);
            ok += w.ok;
            errors += w.errors;
            if (first == null) {
                first = w.firstError.get();
            }
        }
        return new Result(ok, errors, seconds, all, first, lateMs);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** One load thread's connection and its own counts (merged after the run: no sharing). */
    private static final class Worker {
        final RawHttp http;
        final Histogram latency = histogram();
        final AtomicReference<String> firstError = new AtomicReference<>();
        long ok;
        long errors;
        Thread thread;

        Worker(URI base) {
            http = new RawHttp(base);
        }

        boolean attempt(Op op, long index) {
            try {
                if (op.run(http, index)) {
                    return true;
                }
                firstError.compareAndSet(null, "unexpected answer to request " + index);
            } catch (Exception e) {
                firstError.compareAndSet(null, e.toString());
                http.close();
            }
            return false;
        }

        void count(boolean success, long nanos) {
            if (success) {
                ok++;
                latency.recordValue(Math.min(MAX_MICROS, Math.max(0, nanos / 1000)));
            } else {
                errors++;
            }
        }
    }
}
