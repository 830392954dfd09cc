package org.aitbc.coordinator.infrastructure.feed;

import jakarta.annotation.Resource;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Synchronization;
import jakarta.transaction.TransactionSynchronizationRegistry;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import org.aitbc.coordinator.infrastructure.persistence.JobEventStore;
import org.aitbc.coordinator.infrastructure.persistence.JobsChanged;

/**
 * Tickets for the transactions on this server that write job events, so that the event feed
 * can tell a gap in the event ids that a local transaction may still fill from one that will
 * never be filled (see {@link CommitHorizon}).
 *
 * <p>{@link JobEventStore#append} fires {@link JobsChanged} inside the writing
 * transaction before it inserts; this observer runs right then, takes the transaction's ticket
 * (one per transaction, however many jobs it changes) and returns it when the transaction ends,
 * committed or rolled back ({@link WriterTickets}). A ticket out longer than {@link #MAX_OPEN}
 * (far beyond any transaction timeout) is taken back with a warning, so that a lost completion
 * callback cannot stall the feed for good.
 */
@ApplicationScoped
public class EventWriters {
    private static final Logger LOG = Logger.getLogger(EventWriters.class.getName());
    private static final Object KEY = EventWriters.class.getName() + ".ticket";
    private static final long MAX_OPEN = TimeUnit.MINUTES.toNanos(10);

    @Resource(lookup = "java:comp/TransactionSynchronizationRegistry")
    TransactionSynchronizationRegistry transactions;

    private final WriterTickets tickets = new WriterTickets(
            MAX_OPEN, t -> LOG.warning(() -> "event writer ticket " + t + " was never returned; released it"));

    void onChange(@Observes JobsChanged change) {
        if (transactions.getTransactionKey() == null || transactions.getResource(KEY) != null) {
            return;
        }
        long ticket = tickets.issue();
        try {
            transactions.putResource(KEY, ticket);
            transactions.registerInterposedSynchronization(new Synchronization() {
                @Override
                public void beforeCompletion() {}

                @Override
                public void afterCompletion(int status) {
                    close(ticket);
                }
            });
        } catch (RuntimeException e) {
            // The transaction is already ending (e.g. marked for rollback): it will insert nothing.
            close(ticket);
        }
    }

    private void close(long ticket) {
        tickets.close(ticket);
    }

    /** The highest ticket issued so far. */
    public long issued() {
        return tickets.issued();
    }

    /** Every ticket below this one has been returned. */
    public long closedBelow() {
        return tickets.closedBelow();
    }
}
