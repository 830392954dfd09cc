package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

/**
 * How many requests of one API key (by its hash) all servers together let through in one fixed
 * window (a minute or an hour, aligned to the clock): the shared counter of cluster-wide rate
 * limits. Servers add to it in small reservations ({@link RateWindows#reserve}); rows of ended
 * windows are deleted by the leader.
 */
@Entity
@Table(name = "RATE_WINDOW", indexes = @Index(name = "IX_RATE_WINDOW_ENDS", columnList = "ENDS_MS"))
public class RateWindow {
    /** The key's hash, the window's length letter (m, h) and its start, e.g. {@code <hash>|m|1764590400000}. */
    @Id
    @Column(name = "ID", length = 120)
    private String id;

    @Column(name = "USED", nullable = false)
    private int used;

    @Column(name = "ENDS_MS", nullable = false)
    private long endsMs;

    protected RateWindow() {}

    RateWindow(String id, long endsMs) {
        this.id = id;
        this.endsMs = endsMs;
    }

    int used() {
        return used;
    }

    void add(int n) {
        used += n;
    }
}
