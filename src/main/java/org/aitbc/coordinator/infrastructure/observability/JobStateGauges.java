package org.aitbc.coordinator.infrastructure.observability;

import jakarta.annotation.PostConstruct;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.inject.Inject;
import java.util.EnumMap;
import java.util.Map;
import org.aitbc.coordinator.domain.JobState;
import org.aitbc.coordinator.infrastructure.persistence.DailyCounters;
import org.eclipse.microprofile.metrics.Metadata;
import org.eclipse.microprofile.metrics.MetricRegistry;
import org.eclipse.microprofile.metrics.Tag;

/**
 * {@code aitbc_jobs{state="..."}}: how many jobs are in each state. Active states counted from the
 * state indexes, ended ones from the daily counters (never a row per job), cached for a few seconds so that frequent scrapes cost little.
 */
@Singleton
@Startup
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class JobStateGauges {
    private static final long CACHE_MS = 5_000;

    @Inject
    DailyCounters counters;

    @Inject
    MetricRegistry registry;

    private volatile Map<JobState, Long> counts = new EnumMap<>(JobState.class);
    private volatile long readAt;

    @PostConstruct
    void register() {
        Metadata meta = Metadata.builder()
                .withName("aitbc.jobs")
                .withDescription("Jobs by state")
                .build();
        for (JobState s : JobState.values()) {
            registry.gauge(meta, this, g -> g.count(s), new Tag("state", s.wire()));
        }
    }

    long count(JobState state) {
        long now = System.currentTimeMillis();
        if (now - readAt > CACHE_MS) {
            synchronized (this) {
                if (now - readAt > CACHE_MS) {
                    Map<JobState, Long> fresh = counters.countByState();
                    counts = fresh;
                    readAt = now;
                }
            }
        }
        return counts.getOrDefault(state, 0L);
    }
}
