package dev.payments.payment;

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
 * Finishes what was left under way on payments: creates left {@code processing} and captures or
 * cancels left pending, whose request gave up (the processor's outcome was unknown) or died between
 * the phases, and no client retried. Every {@code payments.processor.recovery-interval} it leases
 * those older than {@code recovery-after} with no attempt running (SKIP LOCKED, so instances share
 * the work and never take one payment twice) and finishes each as a retry would: look the charge up
 * by reference, adopt what the processor did, or call it again with the same processor key. The
 * same run starts the cancel of authorizations older than {@code payments.authorization-expiry}.
 */
@ApplicationScoped
public class PaymentRecovery {

    private static final Logger LOG = Logger.getLogger(PaymentRecovery.class);

    private final CreatePayment create;
    private final CapturePayment capture;
    private final CancelPayment cancel;
    private final PaymentStore store;
    private final PaymentProcessor processor;
    private final ProcessorConfig config;
    private final Duration authorizationExpiry;
    private final PaymentMetrics metrics;
    private final Duration lease;

    PaymentRecovery(CreatePayment create, CapturePayment capture, CancelPayment cancel, PaymentStore store,
            PaymentProcessor processor, ProcessorConfig config, LifecycleConfig lifecycle, PaymentMetrics metrics,
            AttemptLease lease) {
        this.create = create;
        this.capture = capture;
        this.cancel = cancel;
        this.store = store;
        this.processor = processor;
        this.config = config;
        this.authorizationExpiry = lifecycle.authorizationExpiry();
        this.metrics = metrics;
        this.lease = lease.duration();
    }

    @Scheduled(identity = "payment-recovery", every = "${payments.processor.recovery-interval}",
            delayed = "${payments.processor.recovery-interval}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void run() {
        PaymentStore.UnderWay underWay = unchecked(() -> store.countUnderWay(config.stuckAfter()));
        metrics.processing(underWay.now(), underWay.stuck());
        if (underWay.stuck() > 0) {
            LOG.errorf("%d payments under way for longer than %s: is the processor reachable, and does it accept them?",
                    underWay.stuck(), config.stuckAfter());
        }
        if (!processor.isAvailable()) {
            return;
        }
        int batch = config.recoveryBatchSize();
        if (underWay.now() > 0) {
            for (LeasedPayment leased : unchecked(() -> store.takeStale(config.recoveryAfter(), batch, lease))) {
                recover("payment", leased, true);
            }
            for (LeasedPayment leased : unchecked(() -> store.takeStaleActions(config.recoveryAfter(), batch,
                    lease))) {
                recover("action", leased, true);
            }
        }
        for (LeasedPayment leased : unchecked(() -> store.startExpiryCancels(authorizationExpiry, batch,
                lease))) {
            // started just now by this job: nothing can have reached the processor yet
            recover("expired authorization", leased, false);
        }
    }

    /** Phases 2 and 3 of what is under way on a leased payment: its create, or its capture or cancel. */
    private void recover(String what, LeasedPayment leased, boolean redrive) {
        Payment payment = leased.payment();
        try {
            Finish finish;
            if (payment.status == PaymentStatus.PROCESSING) {
                finish = create.finish(leased, redrive);
            } else if (CapturePayment.ACTION.equals(payment.pendingAction)) {
                finish = capture.finish(leased, redrive);
            } else {
                finish = cancel.finish(leased, redrive);
            }
            if (finish instanceof StillUnknown) {
                // the lease is given back, and the next run tries again
                LOG.debugf("%s %s still under way", what, payment.id);
                return;
            }
            metrics.recovered();
            LOG.infof("%s finished merchant=%s payment_id=%s", what, payment.merchantId, payment.id);
        } catch (RuntimeException e) {
            // the database, most likely: the lease passes, and a later run tries again
            LOG.warnf("finishing %s %s failed: %s", what, payment.id, e.getMessage());
        }
    }
}
