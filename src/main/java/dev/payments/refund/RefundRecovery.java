package dev.payments.refund;

import static dev.payments.database.DatabaseException.unchecked;

import dev.payments.idempotency.Finish;
import dev.payments.idempotency.StillUnknown;
import dev.payments.processor.AttemptLease;
import dev.payments.processor.PaymentProcessor;
import dev.payments.processor.ProcessorConfig;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import org.jboss.logging.Logger;

/**
 * Finishes refunds left pending (their request gave up, or died between the phases), as
 * PaymentRecovery does for payments: leases those pending for longer than
 * {@code payments.processor.recovery-after} with no attempt running, looks each up at the processor
 * by reference, and adopts the refund found or refunds with the same processor key.
 */
@ApplicationScoped
public class RefundRecovery {

    private static final Logger LOG = Logger.getLogger(RefundRecovery.class);

    private final CreateRefund refunds;
    private final RefundStore store;
    private final PaymentProcessor processor;
    private final ProcessorConfig config;
    private final Duration lease;

    RefundRecovery(CreateRefund refunds, RefundStore store, PaymentProcessor processor, ProcessorConfig config,
            AttemptLease lease) {
        this.refunds = refunds;
        this.store = store;
        this.processor = processor;
        this.config = config;
        this.lease = lease.duration();
    }

    @Scheduled(identity = "refund-recovery", every = "${payments.processor.recovery-interval}",
            delayed = "${payments.processor.recovery-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        if (!processor.isAvailable()) {
            return;
        }
        for (LeasedRefund leased : unchecked(() -> store.takeStale(config.recoveryAfter(), config.recoveryBatchSize(),
                lease))) {
            try {
                Finish finish = refunds.finish(leased, true);
                if (finish instanceof StillUnknown) {
                    LOG.debugf("refund %s still pending", leased.refund().id);
                } else {
                    LOG.infof("refund finished merchant=%s refund_id=%s", leased.refund().merchantId, leased.refund().id);
                }
            } catch (RuntimeException e) {
                LOG.warnf("finishing refund %s failed: %s", leased.refund().id, e.getMessage());
            }
        }
    }
}
