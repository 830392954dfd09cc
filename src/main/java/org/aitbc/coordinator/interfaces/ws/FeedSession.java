package org.aitbc.coordinator.interfaces.ws;

import jakarta.websocket.CloseReason;
import jakarta.websocket.SendResult;
import jakarta.websocket.Session;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.aitbc.coordinator.application.Caller;
import org.aitbc.coordinator.application.CoordinatorException;
import org.aitbc.coordinator.application.CoordinatorException.Kind;
import org.aitbc.coordinator.application.JobFeed;
import org.aitbc.coordinator.domain.JobEvent;

/**
 * One WebSocket connection to the feed: who it is (after authentication), what it follows, and
 * the messages waiting to be sent to it.
 *
 * <p><b>Subscriptions.</b> Once authenticated, a connection follows all of its caller's jobs
 * (live, from the moment it authenticated) until it subscribes; what a subscription may follow
 * and where its replay starts are the {@link JobFeed}'s rules. A connection follows either all
 * of its jobs (one subscription) or a set of single jobs, so that an event matches at most one
 * subscription. Each subscription has a cursor: the last event id queued for it. While it
 * replays (reads the event table after {@code after_event_id}) the hub's live events pass it by;
 * once the replay has read everything up to the feed's live position ({@link JobFeed#liveAfter()}),
 * it turns live and takes only events above its cursor. The switch is made under this object's
 * lock, the same lock live events are offered under, so nothing falls between replay and live
 * and nothing comes twice.
 *
 * <p><b>Sending.</b> Messages wait in a bounded queue and are sent one at a time with the
 * container's asynchronous sender; the next is sent when the previous completes, so a connection
 * gets its messages in queue order with at most one write in flight. Sends run only on the feed's
 * own threads ({@code FeedThreads}): whoever queues a message (the dispatcher, a replay, a client's
 * request, the container's completion of the previous write) asks the hub to {@linkplain
 * FeedHub#pump pump} the connection, which queues it for a feed thread at most once at a time.
 * Nothing here blocks the thread that offers an event, and a client that reads nothing holds one
 * pending write, never a thread. Replays fill at most half the queue and resume when
 * it drains; when live events find the queue full the client is too far behind: the queue is
 * dropped, a {@code resync} message with the last event id it received goes out, and the
 * connection is closed (1013, try again later).
 */
final class FeedSession {
    private static final String ALL = "*";

    /** What one connection follows: one job, or all jobs ({@code jobId == null}). */
    static final class Subscription {
        final String jobId;
        /** The last event id queued for this subscription. */
        long cursor;
        /** The last event id actually sent. */
        long sent;

        boolean replaying;
        boolean waitingForDrain;

        Subscription(String jobId, long after, boolean replaying) {
            this.jobId = jobId;
            this.cursor = after;
            this.sent = after;
            this.replaying = replaying;
        }

        String key() {
            return jobId == null ? ALL : jobId;
        }
    }

    /** A queued message; {@code sub} and {@code eventId} for events, {@code closeAfter} for the last one. */
    private record Out(String text, Subscription sub, long eventId, long atMs, boolean live, CloseReason closeAfter) {
        static Out control(String text) {
            return new Out(text, null, 0, 0, false, null);
        }
    }

    /** Whether a send finished within the call that started it (then the sender's loop continues). */
    private static final class SendState {
        boolean returned;
        boolean done;
    }

    final Session ws;
    private final FeedHub hub;
    private final int queueMax;

    private Caller caller;
    private final Map<String, Subscription> subscriptions = new LinkedHashMap<>();
    private final ArrayDeque<Out> outbox = new ArrayDeque<>();
    private boolean implicitAll;
    private boolean sending;
    /** A feed thread has been asked to pump this connection and has not started yet. */
    private boolean pumpQueued;
    /** The message being sent, from {@link #pump()} until its completion; null when none is. */
    private Out inFlight;

    private boolean closing;
    private long lastSentNanos = System.nanoTime();

    FeedSession(Session ws, FeedHub hub, int queueMax) {
        this.ws = ws;
        this.hub = hub;
        this.queueMax = queueMax;
    }

    synchronized Caller caller() {
        return caller;
    }

    synchronized boolean closing() {
        return closing;
    }

    /** Becomes the caller's connection, following all its jobs live from the hub's current position. */
    synchronized boolean authenticated(Caller who) {
        if (closing || caller != null) {
            return false;
        }
        caller = who;
        Subscription all = new Subscription(null, hub.liveAfter(), false);
        subscriptions.put(ALL, all);
        implicitAll = true;
        outbox.add(Out.control(
                FeedProtocol.authenticated(who.accountId(), who.role().wire(), true, all.cursor)));
        return true;
    }

    synchronized void control(String text) {
        if (closing) {
            return;
        }
        if (outbox.size() >= queueMax + 100) {
            // A client that keeps sending requests while reading nothing.
            overflow();
            return;
        }
        outbox.add(Out.control(text));
    }

    /** Sends one error message, then closes. Nothing else is sent after it. */
    synchronized void refuse(String errorJson, CloseReason reason) {
        if (closing) {
            return;
        }
        closing = true;
        outbox.clear();
        outbox.add(new Out(errorJson, null, 0, 0, false, reason));
        hub.closeLater(this, reason);
    }

    /**
     * Starts following a job, or all jobs ({@code jobId == null}). Returns the subscription; the
     * caller starts its replay when {@link Subscription#replaying} is set.
     */
    synchronized Subscription subscribe(String jobId, Long after, int maxSubscriptions) {
        if (jobId != null) {
            Subscription all = subscriptions.get(ALL);
            if (all != null && !implicitAll) {
                throw new CoordinatorException(
                        Kind.CONFLICT,
                        "ALREADY_SUBSCRIBED",
                        "this connection follows all of your jobs; send {\"action\":\"unsubscribe\"} first "
                                + "to follow single jobs");
            }
            if (all != null) {
                subscriptions.remove(ALL);
            }
            if (!subscriptions.containsKey(jobId) && subscriptions.size() >= maxSubscriptions) {
                throw new CoordinatorException(
                        Kind.CONFLICT,
                        "TOO_MANY_SUBSCRIPTIONS",
                        "a connection may follow at most " + maxSubscriptions + " jobs; unsubscribe from one first");
            }
        } else {
            subscriptions.clear();
        }
        implicitAll = false;
        Long start = JobFeed.replayStart(jobId, after);
        Subscription s =
                start == null ? new Subscription(jobId, hub.liveAfter(), false) : new Subscription(jobId, start, true);
        subscriptions.put(s.key(), s);
        outbox.add(Out.control(FeedProtocol.subscribed(jobId, s.cursor)));
        if (!s.replaying) {
            outbox.add(Out.control(FeedProtocol.caughtUp(jobId, s.cursor)));
        }
        return s;
    }

    synchronized void unsubscribe(String jobId) {
        if (jobId == null) {
            subscriptions.clear();
        } else if (subscriptions.remove(jobId) == null) {
            throw new CoordinatorException(
                    Kind.NOT_FOUND, "NOT_SUBSCRIBED", "this connection does not follow job " + jobId);
        }
        implicitAll = false;
        outbox.add(Out.control(FeedProtocol.unsubscribed(jobId)));
    }

    private Subscription matching(String jobId) {
        Subscription s = subscriptions.get(jobId);
        return s != null ? s : subscriptions.get(ALL);
    }

    /** Queues a live event if a live subscription wants it; true when there is something to send. */
    synchronized boolean offerLive(JobEvent e, String json) {
        if (closing || caller == null) {
            return false;
        }
        Subscription s = matching(e.getJobId());
        if (s == null || s.replaying || e.getId() <= s.cursor) {
            return false;
        }
        if (outbox.size() >= queueMax) {
            overflow();
            return true;
        }
        s.cursor = e.getId();
        outbox.add(new Out(json, s, e.getId(), e.getAt().toEpochMilli(), true, null));
        return true;
    }

    /** Queues an event that committed after its id had been skipped, whatever the cursor says. */
    synchronized boolean offerLate(JobEvent e, String json) {
        if (closing || caller == null) {
            return false;
        }
        Subscription s = matching(e.getJobId());
        if (s == null || s.replaying || outbox.size() >= queueMax) {
            return false;
        }
        outbox.add(new Out(json, s, e.getId(), e.getAt().toEpochMilli(), true, null));
        return true;
    }

    /** What became of a log message offered to the queue. */
    enum Queued {
        QUEUED,
        /** The queue is half full: offer it again later. */
        FULL,
        /** The subscription is gone, or the connection is closing: stop. */
        GONE
    }

    /** Queues a message of the subscription's live logs ({@link LogTails}), if it still follows them and there is room. */
    synchronized Queued queueLog(Subscription s, String text) {
        if (closing || subscriptions.get(s.key()) != s) {
            return Queued.GONE;
        }
        if (outbox.size() >= queueMax / 2) {
            return Queued.FULL;
        }
        outbox.add(Out.control(text));
        return Queued.QUEUED;
    }

    /** Where the next replay page starts, or null when the replay ended or must wait for the queue to drain. */
    synchronized Long replayFrom(Subscription s) {
        if (closing || subscriptions.get(s.key()) != s || !s.replaying) {
            return null;
        }
        if (outbox.size() >= queueMax / 2) {
            s.waitingForDrain = true;
            return null;
        }
        return s.cursor;
    }

    /**
     * Queues one replayed page. {@code complete}: the page held everything up to {@code upTo}. If the feed
     * has not started handing out anything above {@code upTo}, the subscription turns live. Returns
     * whether the replay goes on.
     */
    synchronized boolean replayed(Subscription s, List<JobEvent> page, List<String> json, long upTo, boolean complete) {
        if (closing || subscriptions.get(s.key()) != s || !s.replaying) {
            return false;
        }
        for (int i = 0; i < page.size(); i++) {
            JobEvent e = page.get(i);
            if (e.getId() > s.cursor) {
                s.cursor = e.getId();
                outbox.add(new Out(json.get(i), s, e.getId(), e.getAt().toEpochMilli(), false, null));
            }
        }
        if (complete && hub.liveAfter() == upTo) {
            s.replaying = false;
            // The client hears of the last event it was given (where its own resume would start);
            // the cursor moves on to the feed's position, past other jobs' events the replay read.
            long delivered = s.cursor;
            s.cursor = Math.max(s.cursor, upTo);
            outbox.add(Out.control(FeedProtocol.caughtUp(s.jobId, delivered)));
            return false;
        }
        return true;
    }

    /** The queue is full: drop it, tell the client where it stands, and close. */
    private void overflow() {
        closing = true;
        outbox.clear();
        List<Object[]> cursors = new ArrayList<>();
        long last = Long.MAX_VALUE;
        for (Subscription s : subscriptions.values()) {
            // The message being sent goes out before the resync: the client will have received it.
            long received = inFlight != null && inFlight.sub() == s ? Math.max(s.sent, inFlight.eventId()) : s.sent;
            cursors.add(new Object[] {s.jobId, received});
            last = Math.min(last, received);
        }
        CloseReason reason = new CloseReason(CloseReason.CloseCodes.TRY_AGAIN_LATER, "too far behind; resubscribe");
        outbox.add(new Out(FeedProtocol.resync(last == Long.MAX_VALUE ? 0 : last, cursors), null, 0, 0, false, reason));
        hub.resynced(this, reason);
    }

    /** Has a feed thread send what is queued (from any thread). */
    void requestSend() {
        hub.pump(this);
    }

    /** True when the caller should queue a pump (none is queued yet); then {@link #pumpStarted()}. */
    synchronized boolean claimPump() {
        if (pumpQueued) {
            return false;
        }
        pumpQueued = true;
        return true;
    }

    /** The queued pump runs: a later request queues another. */
    synchronized void pumpStarted() {
        pumpQueued = false;
    }

    /** Messages sent in one turn of a feed thread, before the connection queues again behind the others. */
    static final int TURN = 64;

    /**
     * Sends queued messages one at a time until the queue is empty or a send is in flight (on a feed
     * thread: see {@link FeedHub#pump}). After {@link #TURN} sends that completed at once it queues
     * itself again, so that one busy connection does not hold a thread while others wait.
     */
    void pump() {
        int turn = 0;
        while (true) {
            if (++turn > TURN) {
                hub.pump(this);
                return;
            }
            Out next;
            synchronized (this) {
                if (sending || outbox.isEmpty() || !ws.isOpen()) {
                    return;
                }
                next = outbox.poll();
                sending = true;
                inFlight = next;
            }
            SendState state = new SendState();
            try {
                ws.getAsyncRemote().sendText(next.text(), result -> sent(next, result, state));
            } catch (RuntimeException e) {
                synchronized (this) {
                    sending = false;
                    inFlight = null;
                    closing = true;
                    outbox.clear();
                }
                hub.closeNow(this, new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "send failed"));
                return;
            }
            synchronized (this) {
                state.returned = true;
                if (!state.done) {
                    return;
                }
            }
        }
    }

    private void sent(Out out, SendResult result, SendState state) {
        boolean inline;
        Subscription resume = null;
        synchronized (this) {
            sending = false;
            inFlight = null;
            state.done = true;
            inline = !state.returned;
            lastSentNanos = System.nanoTime();
            if (result.isOK() && out.sub() != null) {
                out.sub().sent = Math.max(out.sub().sent, out.eventId());
                if (out.sub().waitingForDrain && outbox.size() <= queueMax / 4) {
                    out.sub().waitingForDrain = false;
                    resume = out.sub();
                }
            }
        }
        if (!result.isOK()) {
            synchronized (this) {
                closing = true;
                outbox.clear();
            }
            hub.closeNow(this, new CloseReason(CloseReason.CloseCodes.UNEXPECTED_CONDITION, "send failed"));
            return;
        }
        if (out.sub() != null) {
            hub.delivered(out.atMs(), out.live());
        }
        if (out.closeAfter() != null) {
            hub.closeNow(this, out.closeAfter());
            return;
        }
        if (resume != null) {
            hub.replay(this, resume);
        }
        if (!inline) {
            // The container's thread completed the write: the next goes out on a feed thread.
            hub.pump(this);
        }
    }

    /** Claims the connection for a ping if nothing was sent to it for {@code idleNanos}; then {@link #pinged()}. */
    synchronized boolean startPing(long idleNanos) {
        if (closing || sending || !outbox.isEmpty() || System.nanoTime() - lastSentNanos < idleNanos) {
            return false;
        }
        sending = true;
        return true;
    }

    void pinged() {
        synchronized (this) {
            sending = false;
            lastSentNanos = System.nanoTime();
        }
        hub.pump(this);
    }

    synchronized void ended() {
        closing = true;
        outbox.clear();
        subscriptions.clear();
    }
}
