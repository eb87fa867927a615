package dev.payments.payment;

import static dev.payments.database.DatabaseException.autocommit;

import dev.payments.config.PaymentsConfig;
import dev.payments.idempotency.StoredKey;
import dev.payments.problem.ProblemException;
import dev.payments.processor.PaymentProcessor;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Finishes what was left under way on payments: creates left {@code processing} and captures or
 * cancels left pending, whose request gave up (the processor's outcome was unknown) or died between
 * the phases, and no client retried. Every {@code payments.processor.recovery-interval} it leases
 * those older than {@code recovery-after} with no attempt running (SKIP LOCKED, so instances share
 * the work and never take one payment twice) and drives each as a retry would: look the charge up
 * by reference, adopt what the processor did, or call it again with the same processor key. The
 * same run starts the cancel of authorizations older than {@code payments.authorization-expiry}.
 */
@ApplicationScoped
public class PaymentRecovery {

    private static final Logger LOG = Logger.getLogger(PaymentRecovery.class);

    private final PaymentService payments;
    private final PaymentActions actions;
    private final PaymentStore store;
    private final PaymentProcessor processor;
    private final PaymentsConfig config;
    private final PaymentMetrics metrics;

    PaymentRecovery(PaymentService payments, PaymentActions actions, PaymentStore store, PaymentProcessor processor,
            PaymentsConfig config, PaymentMetrics metrics) {
        this.payments = payments;
        this.actions = actions;
        this.store = store;
        this.processor = processor;
        this.config = config;
        this.metrics = metrics;
    }

    @Scheduled(identity = "payment-recovery", every = "${payments.processor.recovery-interval}",
            delayed = "${payments.processor.recovery-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        PaymentsConfig.Processor processorConfig = config.processor();
        long[] counts = autocommit(() -> store.countProcessing(processorConfig.stuckAfter()));
        metrics.processing(counts[0], counts[1]);
        if (counts[1] > 0) {
            LOG.errorf("%d payments under way for longer than %s: is the processor reachable, and does it accept them?",
                    counts[1], processorConfig.stuckAfter());
        }
        if (!processor.isAvailable()) {
            return;
        }
        int batch = processorConfig.recoveryBatchSize();
        if (counts[0] > 0) {
            drive("payment", autocommit(() -> store.takeStale(processorConfig.recoveryAfter(), batch, payments.lease())),
                    leased -> payments.drive(leased, true));
            drive("action", autocommit(() -> store.takeStaleActions(processorConfig.recoveryAfter(), batch,
                    payments.lease())), leased -> actions.drive(leased, true));
        }
        drive("expired authorization", autocommit(() -> store.startExpiryCancels(config.authorizationExpiry(), batch,
                payments.lease())), leased -> actions.drive(leased, false));
    }

    private void drive(String what, List<PaymentStore.Leased> leased,
            Function<PaymentStore.Leased, Optional<StoredKey.Answer>> drive) {
        for (PaymentStore.Leased one : leased) {
            try {
                drive.apply(one);
                metrics.recovered();
                LOG.infof("%s finished merchant=%s payment_id=%s", what, one.payment().merchantId, one.payment().id);
            } catch (ProblemException e) {
                // still unknown: the lease is given back, and the next run tries again
                LOG.debugf("%s %s still under way", what, one.payment().id);
            } catch (RuntimeException e) {
                // the database, most likely: the lease passes, and a later run tries again
                LOG.warnf("finishing %s %s failed: %s", what, one.payment().id, e.getMessage());
            }
        }
    }
}
