package org.aitbc.coordinator.infrastructure.storage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The readers of live logs waiting on this server for a job's next append: each runs once, at
 * the first {@link #wake} after it was added. Kept per job for the life of the server; an entry
 * goes when its job is woken or its last reader leaves.
 */
public final class LogWaiters {
    private final Map<String, List<Runnable>> listeners = new ConcurrentHashMap<>();

    public void listen(String jobId, Runnable r) {
        listeners.computeIfAbsent(jobId, k -> new CopyOnWriteArrayList<>()).add(r);
    }

    public void unlisten(String jobId, Runnable r) {
        listeners.computeIfPresent(jobId, (k, list) -> {
            list.remove(r);
            return list.isEmpty() ? null : list;
        });
    }

    /** Runs (and forgets) every reader waiting for the job, on this thread. */
    public void wake(String jobId) {
        List<Runnable> waiting = listeners.remove(jobId);
        if (waiting != null) {
            waiting.forEach(Runnable::run);
        }
    }
}
