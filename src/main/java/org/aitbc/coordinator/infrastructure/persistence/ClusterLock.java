package org.aitbc.coordinator.infrastructure.persistence;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/**
 * A named row that servers sharing one database lock to take turns at start-up work that must
 * happen once, such as creating a persistent timer. The row itself carries nothing; holding its
 * row lock is the point (see {@link ClusterLocks}).
 */
@Entity
@Table(name = "CLUSTER_LOCK")
public class ClusterLock {
    @Id
    @Column(name = "NAME", length = 100)
    private String name;

    protected ClusterLock() {}

    public ClusterLock(String name) {
        this.name = name;
    }

    public String getName() {
        return name;
    }
}
