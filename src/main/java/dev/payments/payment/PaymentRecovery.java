package dev.payments.payment;

import static dev.payments.database.DatabaseException.autocommit;

import dev.payments.config.PaymentsConfig;
import dev.payments.problem.ProblemException;
import dev.payments.processor.PaymentProcessor;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Finishes payments left {@code processing}: their request gave up (the processor's outcome was
 * unknown) or died between the phases, and no client retried. Every
 * {@code payments.processor.recovery-interval} it leases the payments processing for longer than
 * {@code recovery-after} with no attempt running (SKIP LOCKED, so instances share the work and
 * never take one payment twice) and drives each as a retry would: look the charge up by
 * reference, adopt it, or charge with the payment's own processor key.
 */
@ApplicationScoped
public class PaymentRecovery {

    private static final Logger LOG = Logger.getLogger(PaymentRecovery.class);

    private final PaymentService payments;
    private final PaymentStore store;
    private final PaymentProcessor processor;
    private final PaymentsConfig.Processor config;
    private final PaymentMetrics metrics;

    PaymentRecovery(PaymentService payments, PaymentStore store, PaymentProcessor processor, PaymentsConfig config,
            PaymentMetrics metrics) {
        this.payments = payments;
        this.store = store;
        this.processor = processor;
        this.config = config.processor();
        this.metrics = metrics;
    }

    @Scheduled(identity = "payment-recovery", every = "${payments.processor.recovery-interval}",
            delayed = "${payments.processor.recovery-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        long[] counts = autocommit(() -> store.countProcessing(config.stuckAfter()));
        metrics.processing(counts[0], counts[1]);
        if (counts[1] > 0) {
            LOG.errorf("%d payments processing for longer than %s: is the processor reachable, and does it accept them?",
                    counts[1], config.stuckAfter());
        }
        if (counts[0] == 0 || !processor.isAvailable()) {
            return;
        }
        List<PaymentStore.Leased> stale = autocommit(() -> store.takeStale(config.recoveryAfter(), config.recoveryBatchSize(), payments.lease()));
        for (PaymentStore.Leased leased : stale) {
            try {
                CreateResult result = payments.drive(leased, true, true);
                metrics.recovered();
                LOG.infof("payment recovered merchant=%s payment_id=%s: answered %d", leased.payment().merchantId,
                        leased.payment().id, result.status());
            } catch (ProblemException e) {
                // still unknown: the lease is given back, and the next run tries again
                LOG.debugf("payment %s still processing", leased.payment().id);
            } catch (RuntimeException e) {
                // the database, most likely: the lease passes, and a later run tries again
                LOG.warnf("recovering payment %s failed: %s", leased.payment().id, e.getMessage());
            }
        }
    }
}
