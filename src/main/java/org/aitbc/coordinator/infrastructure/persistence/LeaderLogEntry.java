package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

/**
 * The epoch log: one row when a server takes the leadership over, and one for every fenced write
 * that changed something (a job swept, results purged), each with the epoch and holder it ran
 * under. Rows are written while the lease row is locked, so their ids follow the order in which
 * leaders acted: read in id order, the epochs never go back and each epoch has one holder, which
 * is how the cluster tests prove that one server swept at a time. Rows older than a week are
 * deleted by the leader.
 */
@Entity
@Table(name = "LEADER_LOG", indexes = @Index(name = "IX_LEADER_LOG_AT", columnList = "AT_MS"))
public class LeaderLogEntry {
    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    @Column(name = "ID")
    private Long id;

    @Column(name = "NAME", length = 100, nullable = false)
    private String name;

    @Column(name = "EPOCH", nullable = false)
    private long epoch;

    @Column(name = "HOLDER", length = 300, nullable = false)
    private String holder;

    @Column(name = "ACTION", length = 40, nullable = false)
    private String action;

    @Column(name = "SUBJECT", length = 300)
    private String subject;

    @Column(name = "AT_MS", nullable = false)
    private long atMs;

    protected LeaderLogEntry() {}

    public LeaderLogEntry(String name, long epoch, String holder, String action, String subject, long atMs) {
        this.name = name;
        this.epoch = epoch;
        this.holder = holder;
        this.action = action;
        this.subject = subject == null || subject.length() <= 300 ? subject : subject.substring(0, 300);
        this.atMs = atMs;
    }

    public Long getId() {
        return id;
    }

    public long getEpoch() {
        return epoch;
    }

    public String getHolder() {
        return holder;
    }

    public String getAction() {
        return action;
    }

    public String getSubject() {
        return subject;
    }

    public long getAtMs() {
        return atMs;
    }
}
