package org.aitbc.coordinator.interfaces.ws;

import jakarta.annotation.Resource;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.FieldProblem;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.application.JobLogs;
import org.aitbc.coordinator.domain.LogStream;

/**
 * The live logs of the jobs WebSocket clients subscribed to with {@code "logs": true}: one tail per
 * subscription and stream, which reads the stream from its offset and queues
 * {@code {"type": "log", "job_id", "stream", "offset", "next_offset", "data"}} messages while the
 * connection's queue has room (half of it, as replays), then waits for the next append (woken
 * by it on this server, or after {@link JobLogs#RECHECK_MS}). When the job has ended and the
 * stream is read to its end, a {@code log_end} message says so and the tail stops; it stops
 * too when its subscription is gone (unsubscribed, replaced, or the connection closed). Since it
 * reads the stored stream by offset, a client that subscribes again with the next offsets it was
 * told gets exactly the rest, once.
 */
@ApplicationScoped
public class LogTails {
    private static final Logger LOG = Logger.getLogger(LogTails.class.getName());
    /** At most this many bytes in one message. */
    static final int CHUNK = 32 * 1024;

    private static final long FULL_RETRY_MS = 50;

    @Resource(lookup = "java:comp/DefaultManagedScheduledExecutorService")
    ManagedScheduledExecutorService executor;

    @Inject
    JobLogs logs;

    /** Starts the tails of both streams of the subscription's job. */
    void start(FeedSession fs, FeedSession.Subscription sub, Caller caller, FeedProtocol.Logs from) {
        for (LogStream stream : LogStream.values()) {
            long offset = stream == LogStream.STDOUT ? from.stdout() : from.stderr();
            Tail t = new Tail(fs, sub, caller, stream, offset);
            executor.execute(t::run);
        }
    }

    /** One stream of one subscription. */
    private final class Tail {
        private final FeedSession fs;
        private final FeedSession.Subscription sub;
        private final Caller caller;
        private final LogStream stream;
        private long offset;
        private boolean first = true;
        private boolean endSeen;
        private boolean stopped;
        private ScheduledFuture<?> timer;
        private Runnable listener;

        Tail(FeedSession fs, FeedSession.Subscription sub, Caller caller, LogStream stream, long offset) {
            this.fs = fs;
            this.sub = sub;
            this.caller = caller;
            this.stream = stream;
            this.offset = offset;
        }

        synchronized void run() {
            if (stopped) {
                return;
            }
            disarm();
            try {
                step();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "following the " + stream.wire() + " log of " + sub.jobId + " failed", e);
                stopped = true;
                fs.control(FeedProtocol.error(new CoordinatorException(
                        Kind.UNAVAILABLE,
                        "UNAVAILABLE",
                        "following the " + stream.wire() + " log failed; subscribe again with log_offsets."
                                + stream.wire() + " = " + offset)));
                fs.requestSend();
            }
        }

        private void step() {
            while (true) {
                JobLogs.Chunk c = logs.read(sub.jobId, stream, offset, CHUNK);
                if (first) {
                    first = false;
                    if (offset > c.end()) {
                        stopped = true;
                        fs.control(FeedProtocol.error(CoordinatorException.validation(List.of(new FieldProblem(
                                "log_offsets." + stream.wire(),
                                "is past the end of the " + stream.wire() + " log (" + c.end() + ")")))));
                        fs.requestSend();
                        return;
                    }
                }
                int usable = complete(c.bytes(), endSeen);
                if (usable > 0) {
                    String data = new String(c.bytes(), 0, usable, StandardCharsets.UTF_8);
                    String text = FeedProtocol.log(sub.jobId, stream, c.offset(), c.offset() + usable, data);
                    FeedSession.Queued q = fs.queueLog(sub, text);
                    if (q == FeedSession.Queued.GONE) {
                        stopped = true;
                        return;
                    }
                    if (q == FeedSession.Queued.FULL) {
                        timer = executor.schedule(this::run, FULL_RETRY_MS, TimeUnit.MILLISECONDS);
                        return;
                    }
                    offset = c.offset() + usable;
                    fs.requestSend();
                    continue;
                }
                if (endSeen) {
                    // Read after the job was seen ended: nothing more will come.
                    stopped = true;
                    if (fs.queueLog(sub, FeedProtocol.logEnd(sub.jobId, stream, offset)) == FeedSession.Queued.FULL) {
                        stopped = false;
                        timer = executor.schedule(this::run, FULL_RETRY_MS, TimeUnit.MILLISECONDS);
                    }
                    fs.requestSend();
                    return;
                }
                endSeen = logs.ended(caller, sub.jobId);
                if (!endSeen) {
                    arm();
                    return;
                }
            }
        }

        /** Runs again at the next append to the job, or after the re-check period. */
        private void arm() {
            listener = () -> executor.execute(this::run);
            logs.listen(sub.jobId, listener);
            timer = executor.schedule(this::run, JobLogs.RECHECK_MS, TimeUnit.MILLISECONDS);
        }

        private void disarm() {
            if (timer != null) {
                timer.cancel(false);
                timer = null;
            }
            if (listener != null) {
                logs.unlisten(sub.jobId, listener);
                listener = null;
            }
        }
    }

    /**
     * How many of the bytes end on a whole UTF-8 character: a character cut by the end of what was
     * appended so far waits for its other bytes (unless nothing more will come).
     */
    static int complete(byte[] b, boolean last) {
        int n = b.length;
        if (last || n == 0) {
            return n;
        }
        int i = n - 1;
        int back = 0;
        while (i > 0 && back < 3 && (b[i] & 0xC0) == 0x80) {
            i--;
            back++;
        }
        int lead = b[i] & 0xFF;
        int needed = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
        return i + needed > n ? i : n;
    }
}
