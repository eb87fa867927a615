package dev.payments.event;

import dev.payments.database.Database;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Deletes events older than {@code payments.events.retention}, oldest first, in batches of one
 * statement each, at most {@code cleanup-max-batches} per run. The payments and refunds they
 * reported stay.
 */
@ApplicationScoped
public class EventCleanup {

    private static final Logger LOG = Logger.getLogger(EventCleanup.class);

    private final EventStore store;
    private final EventsConfig config;

    EventCleanup(EventStore store, EventsConfig config) {
        this.store = store;
        this.config = config;
    }

    @Scheduled(identity = "expired-events", every = "${payments.events.cleanup-interval}",
            delayed = "${payments.events.cleanup-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        int total = Database.inBatches(config, () -> store.deleteExpired(config.retention(), config.cleanupBatchSize()));
        if (total > 0) {
            LOG.infof("deleted %d events past their retention", total);
        }
    }
}
