package org.aitbc.coordinator.interfaces.timers;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.annotation.Resource;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.ejb.TransactionAttribute;
import jakarta.ejb.TransactionAttributeType;
import jakarta.enterprise.concurrent.ManagedScheduledExecutorService;
import jakarta.inject.Inject;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.aitbc.coordinator.application.WebhookSender;
import org.aitbc.coordinator.infrastructure.config.CoordinatorConfig;

/**
 * Runs the webhook sender every {@code aitbc.webhooks.poll.interval.ms} on a managed scheduled
 * executor, on every server, from start to stop. Not a persistent EJB timer: what is owed lives in
 * the delivery table, and each server claims its rows there, so a tick has nothing to remember.
 */
@Singleton
@Startup
@TransactionAttribute(TransactionAttributeType.NOT_SUPPORTED)
public class WebhookTimer {
    @Resource
    ManagedScheduledExecutorService scheduler;

    @Inject
    WebhookSender sender;

    @Inject
    CoordinatorConfig config;

    private ScheduledFuture<?> ticks;

    @PostConstruct
    void start() {
        long every = config.webhooksPollIntervalMs();
        ticks = scheduler.scheduleWithFixedDelay(sender::tick, every, every, TimeUnit.MILLISECONDS);
    }

    @PreDestroy
    void stop() {
        if (ticks != null) {
            ticks.cancel(false);
        }
        sender.stop();
    }
}
