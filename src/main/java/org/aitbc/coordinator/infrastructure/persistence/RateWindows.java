package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.annotation.Resource;
import jakarta.ejb.EJBException;
import jakarta.ejb.SessionContext;
import jakarta.ejb.Stateless;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.PersistenceContext;

/**
 * The shared counters of cluster-wide rate limits ({@link RateWindow}). A server reserves a few
 * requests at a time for a key, in the minute and the hour window at once, under both rows'
 * locks (minute first, always), and never more than the limits leave: all servers together stay
 * within a key's limits, and each pays one short transaction per reservation, not per request.
 */
@Stateless
public class RateWindows {
    public static final long MINUTE = 60_000;
    public static final long HOUR = 3_600_000;

    @PersistenceContext(unitName = "aitbc")
    EntityManager em;

    @Resource
    SessionContext context;

    /** What a reservation got: how many requests, and whether the hour (rather than the minute) is used up. */
    public record Grant(int granted, boolean hourFull) {}

    /**
     * Reserves up to {@code want} requests for {@code keyHash} in the windows that contain
     * {@code nowMs}, within {@code perMinute} and {@code perHour}.
     */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public Grant reserve(String keyHash, long nowMs, int want, int perMinute, int perHour) {
        long minute = nowMs - Math.floorMod(nowMs, MINUTE);
        long hour = nowMs - Math.floorMod(nowMs, HOUR);
        RateWindow m = locked(keyHash + "|m|" + minute, minute + MINUTE);
        RateWindow h = locked(keyHash + "|h|" + hour, hour + HOUR);
        int grant = Math.min(want, Math.min(perMinute - m.used(), perHour - h.used()));
        if (grant <= 0) {
            return new Grant(0, h.used() >= perHour);
        }
        m.add(grant);
        h.add(grant);
        return new Grant(grant, false);
    }

    /** Deletes the rows of windows that ended before {@code beforeMs}; returns how many. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public int purgeEnded(long beforeMs) {
        return em.createQuery("DELETE FROM RateWindow w WHERE w.endsMs < :t")
                .setParameter("t", beforeMs)
                .executeUpdate();
    }

    private RateWindow locked(String id, long endsMs) {
        RateWindow w = em.find(RateWindow.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (w != null) {
            return w;
        }
        try {
            context.getBusinessObject(RateWindows.class).create(id, endsMs);
        } catch (EJBException e) {
            if (!TransientFailures.isConflict(e)) {
                throw e;
            }
            // Another server opened the window first.
        }
        w = em.find(RateWindow.class, id, LockModeType.PESSIMISTIC_WRITE);
        if (w == null) {
            throw new IllegalStateException("rate window " + id + " could not be created");
        }
        return w;
    }

    /** Opens a window's row in its own transaction, so that losing the insert race harms nothing. */
    @TransactionAttribute(TransactionAttributeType.REQUIRES_NEW)
    public void create(String id, long endsMs) {
        em.persist(new RateWindow(id, endsMs));
        em.flush();
    }
}
