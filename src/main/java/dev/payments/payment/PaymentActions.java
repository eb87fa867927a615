package dev.payments.payment;

import static dev.payments.database.DatabaseException.autocommit;

import dev.payments.event.Events;
import dev.payments.idempotency.Answers;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotencyStore;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.StoredKey;
import dev.payments.problem.Problem;
import dev.payments.problem.Problems;
import dev.payments.processor.PaymentProcessor;
import dev.payments.processor.PaymentProcessor.ChargeOutcome;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Capture and cancel of an authorized payment ({@code requires_capture}), each an idempotent step
 * ({@link PaymentSteps}) in the same three phases as a create: (1) in the transaction that
 * claims the key, the payment is locked, checked, and marked with the action under way (or the
 * request is refused with a 409 that is the key's answer); (2) the processor call; (3) the payment
 * captured or canceled, with the key's answer, in one statement. One action at a time per payment,
 * so a capture and a cancel racing each other cannot both win.
 */
@ApplicationScoped
public class PaymentActions {

    private static final Logger LOG = Logger.getLogger(PaymentActions.class);

    static final String CAPTURE = "capture";
    static final String CANCEL = "cancel";

    private final PaymentSteps steps;
    private final PaymentService payments;
    private final PaymentStore store;
    private final IdempotencyStore keys;
    private final PaymentProcessor processor;
    private final PaymentMetrics metrics;
    private final Answers answers;
    private final Events events;
    private final Duration lease;

    PaymentActions(PaymentSteps steps, PaymentService payments, PaymentStore store, IdempotencyStore keys,
            PaymentProcessor processor, PaymentMetrics metrics, Answers answers, Events events) {
        this.events = events;
        this.steps = steps;
        this.payments = payments;
        this.store = store;
        this.keys = keys;
        this.processor = processor;
        this.metrics = metrics;
        this.answers = answers;
        this.lease = payments.lease();
    }

    /** Captures the authorization (all of it, or {@code request.amount()}); 200 with the payment. */
    public IdempotentRequests.Result capture(String merchantId, IdempotencyKey key, UUID paymentId, CaptureRequest request) {
        return run(CAPTURE, merchantId, key, paymentId, request, payment -> {
            if (payment.status != PaymentStatus.REQUIRES_CAPTURE || payment.pendingAction != null) {
                return Problems.paymentNotCapturable(payment.id, payment.status.value(), whatBlocks(payment));
            }
            long amount = request.amount() == null ? payment.amountCapturable : request.amount();
            return amount > payment.amountCapturable
                    ? Problems.captureExceedsAuthorized(payment.id, amount, payment.amountCapturable)
                    : null;
        }, payment -> store.startAction(payment, CAPTURE,
                request.amount() == null ? payment.amountCapturable : request.amount(), null, key.value(), lease));
    }

    /** Cancels the authorization; 200 with the payment, canceled. */
    public IdempotentRequests.Result cancel(String merchantId, IdempotencyKey key, UUID paymentId, CancelRequest request) {
        String reason = request.cancellationReason() == null ? null : request.cancellationReason().value();
        return run(CANCEL, merchantId, key, paymentId, request, payment ->
                payment.status != PaymentStatus.REQUIRES_CAPTURE || payment.pendingAction != null
                        ? Problems.paymentNotCancelable(payment.id, payment.status.value(), whatBlocks(payment))
                        : null,
                payment -> store.startAction(payment, CANCEL, null, reason, key.value(), lease));
    }

    /** What stands in the way, for a refusal's detail. */
    private static String whatBlocks(Payment payment) {
        if (payment.pendingAction != null) {
            return " with a " + payment.pendingAction + " under way";
        }
        if (payment.status == PaymentStatus.SUCCEEDED) {
            return " (captured " + payment.amountCaptured + " " + payment.currency + ")";
        }
        return "";
    }

    private IdempotentRequests.Result run(String action, String merchantId, IdempotencyKey key, UUID paymentId,
            Object request, java.util.function.Function<Payment, Problem> refusal, Start start) {
        String path = PaymentService.CREATE_PATH + "/" + paymentId + "/" + action;
        return steps.run(action, merchantId, key, paymentId, path, request, paymentId, new PaymentSteps.Step<PaymentStore.Leased>() {
            @Override
            public Problem refusal(Payment locked) {
                return refusal.apply(locked);
            }

            @Override
            public PaymentStore.Leased start(Payment locked) throws SQLException {
                return start.start(locked);
            }

            @Override
            public Optional<StoredKey.Answer> drive(PaymentStore.Leased attempt, boolean redrive) {
                return PaymentActions.this.drive(attempt, redrive);
            }

            @Override
            public Optional<PaymentStore.Leased> takeOver(StoredKey stored) throws SQLException {
                return store.takeActionLease(paymentId, key.value(), lease);
            }
        });
    }

    private interface Start {
        PaymentStore.Leased start(Payment locked) throws SQLException;
    }

    /** The processor's Idempotency-Key for a payment's capture or cancel: each happens once per payment at most. */
    static String processorKey(UUID paymentId, String action) {
        return "payment-" + paymentId + "-" + action;
    }

    /**
     * Phases 2 and 3 of the action under way on a leased payment. {@code redrive}: an earlier
     * attempt may have acted, so the charge is looked up by reference first. Empty if another
     * attempt finished it first.
     */
    Optional<StoredKey.Answer> drive(PaymentStore.Leased leased, boolean redrive) {
        Payment payment = leased.payment();
        String action = payment.pendingAction;
        ChargeOutcome outcome = redrive ? processor.findCharge(payment.id.toString()) : new ChargeOutcome.NotCharged();
        if (outcome instanceof ChargeOutcome.NotCharged || outcome instanceof ChargeOutcome.Authorized) {
            String processorKey = processorKey(payment.id, action);
            outcome = CAPTURE.equals(action)
                    ? processor.capture(payment.processorChargeId, payment.pendingAmount, processorKey)
                    : processor.cancel(payment.processorChargeId, processorKey);
        }
        if (CAPTURE.equals(action) && outcome instanceof ChargeOutcome.Succeeded captured) {
            return finishCapture(payment, captured.amountCaptured());
        }
        if (CANCEL.equals(action) && outcome instanceof ChargeOutcome.Canceled) {
            return finishCancel(payment);
        }
        if (outcome.isFinal()) {
            // the processor's charge went another way than ours (an operator at the processor):
            // left under way, and counted as stuck, for a person to decide
            LOG.errorf("payment %s: %s under way, but the processor's charge %s is %s", payment.id, action,
                    payment.processorChargeId, outcome);
        } else {
            LOG.infof("payment %s merchant=%s payment_id=%s: outcome unknown (%s)", action, payment.merchantId,
                    payment.id, ((ChargeOutcome.Unknown) outcome).reason());
        }
        metrics.operation(action, PaymentMetrics.UNKNOWN);
        payments.giveBack(leased);
        throw Problems.actionPending(payment.id, action);
    }

    private Optional<StoredKey.Answer> finishCapture(Payment payment, long amount) {
        payment.status = PaymentStatus.SUCCEEDED;
        payment.amountCaptured = amount;
        payment.amountCapturable = 0;
        return finish(payment, CAPTURE, Events.PAYMENT_CAPTURED, event -> store.captured(payment.id, amount, event));
    }

    private Optional<StoredKey.Answer> finishCancel(Payment payment) {
        payment.status = PaymentStatus.CANCELED;
        payment.amountCapturable = 0;
        // PostgreSQL keeps microseconds: truncate so the answer shows what a later GET shows
        payment.canceledAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        payment.cancellationReason = payment.pendingReason;
        return finish(payment, CANCEL, Events.PAYMENT_CANCELED, event -> store.canceled(payment.id, payment.canceledAt, event));
    }

    private Optional<StoredKey.Answer> finish(Payment payment, String action, String eventType,
            java.util.function.Function<IdempotencyStore.Event, IdempotencyStore.Completion> completion) {
        Optional<IdempotencyKey> key = Optional.ofNullable(payment.pendingKey).map(IdempotencyKey::new);
        payment.pendingAction = null;
        payment.pendingAmount = null;
        payment.pendingReason = null;
        payment.pendingKey = null;
        PaymentResponse changed = PaymentResponse.of(payment);
        StoredKey.Answer answer = answers.ok(changed);
        IdempotencyStore.Completion completes = completion.apply(events.of(eventType, changed));
        if (!autocommit(() -> keys.complete(payment.merchantId, key, answer, completes))) {
            return Optional.empty();
        }
        metrics.operation(action, PaymentMetrics.SUCCEEDED);
        LOG.infof("payment %s merchant=%s payment_id=%s amount_captured=%d %s", payment.status.value(),
                payment.merchantId, payment.id, payment.amountCaptured, payment.currency);
        return Optional.of(answer);
    }
}
