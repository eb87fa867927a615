package dev.payments.refund;

import static dev.payments.database.DatabaseException.unchecked;

import dev.payments.database.Uuids;
import dev.payments.event.Event;
import dev.payments.event.Events;
import dev.payments.idempotency.AnswerWriter;
import dev.payments.idempotency.Claim;
import dev.payments.idempotency.Finish;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.KeyedRequest;
import dev.payments.idempotency.Outcome;
import dev.payments.idempotency.Resumable;
import dev.payments.idempotency.StillUnknown;
import dev.payments.idempotency.StoredAnswer;
import dev.payments.idempotency.StoredKey;
import dev.payments.payment.Payment;
import dev.payments.payment.PaymentMetrics;
import dev.payments.payment.PaymentStatus;
import dev.payments.payment.PaymentStore;
import dev.payments.problem.Problem;
import dev.payments.problem.Problems;
import dev.payments.processor.AttemptLease;
import dev.payments.processor.PaymentProcessor;
import dev.payments.processor.PaymentProcessor.RefundOutcome;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * {@code POST /payments/{id}/refunds}: refunds part or all of a captured payment exactly once per
 * Idempotency-Key, in three phases:
 * <ol>
 * <li>one transaction claims the key, locks the payment, and either refuses the refund (a 409,
 * stored as the key's answer) or inserts it pending, which holds its amount back on the payment;
 * <li>the processor's refund, under the refund's own processor key;
 * <li>one statement: the outcome, its event and the key's answer.
 * </ol>
 * Many refunds per payment, never more in all than was captured: the row lock queues concurrent
 * refunds, and the database's constraint refuses any that would not fit.
 */
@ApplicationScoped
public class CreateRefund implements Resumable<LeasedRefund> {

    private static final Logger LOG = Logger.getLogger(CreateRefund.class);

    static final String OPERATION = "refund";
    static final String PATH = "/refunds";

    private final IdempotentRequests keys;
    private final PaymentStore payments;
    private final RefundStore store;
    private final PaymentProcessor processor;
    private final AnswerWriter answers;
    private final Events events;
    private final PaymentMetrics metrics;
    private final Duration lease;

    CreateRefund(IdempotentRequests keys, PaymentStore payments, RefundStore store, PaymentProcessor processor,
            AnswerWriter answers, Events events, PaymentMetrics metrics, AttemptLease lease) {
        this.keys = keys;
        this.payments = payments;
        this.store = store;
        this.processor = processor;
        this.answers = answers;
        this.events = events;
        this.metrics = metrics;
        this.lease = lease.duration();
    }

    public Outcome run(String merchantId, IdempotencyKey key, UUID paymentId, CreateRefundRequest request) {
        if (!unchecked(() -> payments.exists(merchantId, paymentId))) {
            // before the claim: a mistyped id uses up no key
            throw Problems.notFound("No payment " + paymentId + " for this merchant.");
        }
        KeyedRequest keyed = keys.request(merchantId, key, "POST", "/payments/" + paymentId + "/refunds",
                request.normalized());
        UUID refundId = Uuids.v7();
        for (int claims = 1; ; claims++) {
            // Phase 1: the key, and the refund pending or refused, in one transaction
            Claim<LeasedRefund> claim = keys.inTransaction(() -> {
                if (!keys.claim(keyed, paymentId, refundId)) {
                    return new Claim.TakenUnseen<>();
                }
                Payment payment = payments.lock(merchantId, paymentId).orElseThrow();
                Problem refusal = refusal(payment, request);
                if (refusal != null) {
                    metrics.operation(OPERATION, PaymentMetrics.REFUSED);
                    LOG.infof("refund refused merchant=%s payment_id=%s: %s", merchantId, paymentId, refusal.detail());
                    return new Claim.Answered<>(keys.answer(keyed, answers.problem(refusal)));
                }
                Refund refund = newRefund(refundId, payment, key, request);
                return new Claim.Started<>(store.insertPending(refund, payment.processorChargeId, lease));
            });
            if (claim instanceof Claim.Started<LeasedRefund> started) {
                // Phases 2 and 3
                return keys.outcomeOfFirstAttempt(keyed, refundId, finish(started.attempt(), false));
            }
            Optional<Outcome> answered = keys.outcomeOfClaim(keyed, claim, this, claims);
            if (answered.isPresent()) {
                return answered.get();
            }
        }
    }

    /** Why the payment, as locked, cannot take this refund; null if it can. */
    private static Problem refusal(Payment payment, CreateRefundRequest request) {
        if (payment.status != PaymentStatus.SUCCEEDED) {
            String detail = payment.status == PaymentStatus.REQUIRES_CAPTURE ? " (authorized, not captured)" : "";
            return Problems.paymentNotRefundable(payment.id, payment.status.value(), detail);
        }
        long amount = request.amount() == null ? payment.refundable() : request.amount();
        if (payment.refundable() == 0 || amount > payment.refundable()) {
            return Problems.refundExceedsRemaining(payment.id, request.amount() == null ? 0 : amount,
                    payment.amountCaptured, payment.amountRefunded, payment.amountRefundPending);
        }
        return null;
    }

    private static Refund newRefund(UUID id, Payment payment, IdempotencyKey key, CreateRefundRequest request) {
        Refund refund = new Refund();
        refund.id = id;
        refund.paymentId = payment.id;
        refund.merchantId = payment.merchantId;
        refund.amount = request.amount() == null ? payment.refundable() : request.amount();
        refund.currency = payment.currency;
        refund.status = RefundStatus.PENDING;
        refund.reason = request.reason() == null ? null : request.reason().value();
        refund.metadata = request.metadata() == null ? Map.of() : request.metadata();
        // PostgreSQL keeps microseconds: truncate so the answer shows what a later GET shows
        refund.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        refund.processorKey = "refund-" + id;
        refund.idempotencyKey = key.value();
        return refund;
    }

    @Override
    public Optional<LeasedRefund> takeOver(KeyedRequest request, StoredKey stored) throws SQLException {
        return store.takeLease(stored.resourceId(), lease);
    }

    @Override
    public Finish finishTakenOver(LeasedRefund leased) {
        return finish(leased, true);
    }

    /**
     * Phases 2 and 3 of a leased refund. {@code redrive}: an earlier attempt may have refunded, so
     * the refund is looked up by its reference first.
     */
    Finish finish(LeasedRefund leased, boolean redrive) {
        Refund refund = leased.refund();
        // Phase 2: the processor, with no transaction open
        RefundOutcome outcome = redrive ? processor.findRefund(refund.id.toString()) : new RefundOutcome.NotRefunded();
        if (outcome instanceof RefundOutcome.NotRefunded) {
            outcome = processor.refund(new PaymentProcessor.RefundRequest(leased.chargeId(), refund.amount,
                    refund.id.toString()), refund.processorKey);
        }
        if (outcome instanceof RefundOutcome.Succeeded succeeded) {
            refund.status = RefundStatus.SUCCEEDED;
            refund.processorRefundId = succeeded.refundId();
        } else if (outcome instanceof RefundOutcome.Failed failed) {
            refund.status = RefundStatus.FAILED;
            refund.processorRefundId = failed.refundId();
            refund.failureCode = failed.failureCode();
        } else {
            metrics.operation(OPERATION, PaymentMetrics.UNKNOWN);
            LOG.infof("refund pending merchant=%s refund_id=%s: outcome unknown (%s)", refund.merchantId, refund.id,
                    outcome);
            store.giveBack(leased);
            return new StillUnknown(OPERATION, refund.paymentId, refund.id);
        }
        // Phase 3: the outcome, its event and the key's answer, in one statement
        RefundResponse finished = RefundResponse.of(refund);
        StoredAnswer answer = answers.created(finished, PATH + "/" + refund.id);
        Event event = events.of(
                refund.status == RefundStatus.SUCCEEDED ? Events.REFUND_SUCCEEDED : Events.REFUND_FAILED, finished);
        if (!unchecked(() -> store.finish(refund, answer, event))) {
            return new Finish.FinishedByAnotherAttempt();
        }
        events.committed(refund.merchantId, event);
        metrics.operation(OPERATION, refund.status == RefundStatus.SUCCEEDED
                ? PaymentMetrics.SUCCEEDED : PaymentMetrics.FAILED);
        LOG.infof("refund %s merchant=%s payment_id=%s refund_id=%s amount=%d %s", refund.status.value(),
                refund.merchantId, refund.paymentId, refund.id, refund.amount, refund.currency);
        return new Finish.Finished(answer);
    }
}
