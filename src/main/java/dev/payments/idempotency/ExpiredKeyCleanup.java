package dev.payments.idempotency;

import dev.payments.database.Database;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import org.jboss.logging.Logger;

/**
 * Deletes idempotency keys older than {@code payments.idempotency.retention}, in batches of one
 * transaction each, at most {@code cleanup-max-batches} per run. Payments are never deleted: only
 * the memory of which key made them.
 */
@ApplicationScoped
public class ExpiredKeyCleanup {

    private static final Logger LOG = Logger.getLogger(ExpiredKeyCleanup.class);

    private final IdempotencyStore store;
    private final IdempotencyConfig config;

    ExpiredKeyCleanup(IdempotencyStore store, IdempotencyConfig config) {
        this.store = store;
        this.config = config;
    }

    @Scheduled(identity = "expired-idempotency-keys", every = "${payments.idempotency.cleanup-interval}",
            delayed = "${payments.idempotency.cleanup-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        int total = Database.inBatches(config, () -> QuarkusTransaction.requiringNew()
                        .call(() -> store.deleteExpired(config.retention(), config.cleanupBatchSize())));
        if (total > 0) {
            LOG.infof("deleted %d expired idempotency keys", total);
        }
    }
}
