package dev.payments.refund;

import static dev.payments.database.DatabaseException.autocommit;

import dev.payments.config.PaymentsConfig;
import dev.payments.problem.ProblemException;
import dev.payments.processor.PaymentProcessor;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
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

    private final RefundService refunds;
    private final RefundStore store;
    private final PaymentProcessor processor;
    private final PaymentsConfig.Processor config;

    RefundRecovery(RefundService refunds, RefundStore store, PaymentProcessor processor, PaymentsConfig config) {
        this.refunds = refunds;
        this.store = store;
        this.processor = processor;
        this.config = config.processor();
    }

    @Scheduled(identity = "refund-recovery", every = "${payments.processor.recovery-interval}",
            delayed = "${payments.processor.recovery-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        if (!processor.isAvailable()) {
            return;
        }
        for (RefundStore.Leased leased : autocommit(() -> store.takeStale(config.recoveryAfter(),
                config.recoveryBatchSize(), refunds.lease()))) {
            try {
                refunds.drive(leased, true);
                LOG.infof("refund finished merchant=%s refund_id=%s", leased.refund().merchantId, leased.refund().id);
            } catch (ProblemException e) {
                LOG.debugf("refund %s still pending", leased.refund().id);
            } catch (RuntimeException e) {
                LOG.warnf("finishing refund %s failed: %s", leased.refund().id, e.getMessage());
            }
        }
    }
}
