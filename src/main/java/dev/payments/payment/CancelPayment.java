package dev.payments.payment;

import static dev.payments.database.DatabaseException.unchecked;

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
import dev.payments.problem.Problem;
import dev.payments.problem.Problems;
import dev.payments.processor.AttemptLease;
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
 * {@code POST /payments/{id}/cancel}: releases an authorization ({@code requires_capture}) exactly
 * once per Idempotency-Key, in the phases of a capture ({@link CapturePayment}): the key and the
 * cancel under way (or refused) in one transaction; the processor's cancel; the payment canceled,
 * its event and the key's answer in one statement. The expiry of old authorizations
 * ({@link PaymentRecovery}) is a cancel too, started by the job, with no key to answer.
 */
@ApplicationScoped
public class CancelPayment implements Resumable<LeasedPayment> {

    private static final Logger LOG = Logger.getLogger(CancelPayment.class);

    static final String ACTION = "cancel";

    private final IdempotentRequests keys;
    private final PaymentStore store;
    private final PaymentProcessor processor;
    private final AnswerWriter answers;
    private final Events events;
    private final PaymentMetrics metrics;
    private final Duration lease;

    CancelPayment(IdempotentRequests keys, PaymentStore store, PaymentProcessor processor, AnswerWriter answers,
            Events events, PaymentMetrics metrics, AttemptLease lease) {
        this.keys = keys;
        this.store = store;
        this.processor = processor;
        this.answers = answers;
        this.events = events;
        this.metrics = metrics;
        this.lease = lease.duration();
    }

    public Outcome run(String merchantId, IdempotencyKey key, UUID paymentId, CancelRequest request) {
        if (!unchecked(() -> store.exists(merchantId, paymentId))) {
            // before the claim: a mistyped id uses up no key
            throw Problems.notFound("No payment " + paymentId + " for this merchant.");
        }
        KeyedRequest keyed = keys.request(merchantId, key, "POST", "/payments/" + paymentId + "/cancel", request);
        String reason = request.cancellationReason() == null ? null : request.cancellationReason().value();
        for (int claims = 1; ; claims++) {
            // Phase 1: the key, and the cancel under way or refused, in one transaction
            Claim<LeasedPayment> claim = keys.inTransaction(() -> {
                if (!keys.claim(keyed, paymentId, paymentId)) {
                    return new Claim.TakenUnseen<>();
                }
                Payment payment = store.lock(merchantId, paymentId).orElseThrow();
                if (payment.status != PaymentStatus.REQUIRES_CAPTURE || payment.pendingAction != null) {
                    Problem refusal = Problems.paymentNotCancelable(payment.id, payment.status.value(),
                            payment.actionObstacle());
                    metrics.operation(ACTION, PaymentMetrics.REFUSED);
                    LOG.infof("cancel refused merchant=%s payment_id=%s: %s", merchantId, paymentId, refusal.detail());
                    return new Claim.Answered<>(keys.answer(keyed, answers.problem(refusal)));
                }
                return new Claim.Started<>(store.startAction(payment, ACTION, null, reason, key.value(), lease));
            });
            if (claim instanceof Claim.Started<LeasedPayment> started) {
                // Phases 2 and 3
                return keys.outcomeOfFirstAttempt(keyed, paymentId, finish(started.attempt(), false));
            }
            Optional<Outcome> answered = keys.outcomeOfClaim(keyed, claim, this, claims);
            if (answered.isPresent()) {
                return answered.get();
            }
        }
    }

    @Override
    public Optional<LeasedPayment> takeOver(KeyedRequest request, StoredKey stored) throws SQLException {
        return store.takeActionLease(stored.resourceId(), request.key().value(), lease);
    }

    @Override
    public Finish finishTakenOver(LeasedPayment leased) {
        return finish(leased, true);
    }

    /**
     * Phases 2 and 3 of the cancel under way on a leased payment. {@code redrive}: an earlier
     * attempt may have canceled, so the charge is looked up by reference first.
     */
    Finish finish(LeasedPayment leased, boolean redrive) {
        Payment payment = leased.payment();
        // Phase 2: the processor, with no transaction open
        ChargeOutcome outcome = redrive ? processor.findCharge(payment.id.toString()) : new ChargeOutcome.NotCharged();
        if (outcome instanceof ChargeOutcome.NotCharged || outcome instanceof ChargeOutcome.Authorized) {
            outcome = processor.cancel(payment.processorChargeId, "payment-" + payment.id + "-" + ACTION);
        }
        if (!(outcome instanceof ChargeOutcome.Canceled)) {
            if (outcome.isFinal()) {
                // the processor's charge went another way than ours (an operator at the processor):
                // left under way, and counted as stuck, for a person to decide
                LOG.errorf("payment %s: cancel under way, but the processor's charge %s is %s", payment.id,
                        payment.processorChargeId, outcome);
            } else {
                LOG.infof("payment cancel merchant=%s payment_id=%s: outcome unknown (%s)", payment.merchantId,
                        payment.id, outcome);
            }
            metrics.operation(ACTION, PaymentMetrics.UNKNOWN);
            store.giveBack(leased);
            return new StillUnknown(ACTION, payment.id, payment.id);
        }
        // Phase 3: the payment canceled, its event and the key's answer, in one statement
        String key = payment.pendingKey;
        payment.status = PaymentStatus.CANCELED;
        payment.amountCapturable = 0;
        // PostgreSQL keeps microseconds: truncate so the answer shows what a later GET shows
        payment.canceledAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        payment.cancellationReason = payment.pendingReason;
        payment.clearPendingAction();
        PaymentResponse changed = PaymentResponse.of(payment);
        StoredAnswer answer = answers.ok(changed);
        Event event = events.of(Events.PAYMENT_CANCELED, changed);
        if (!unchecked(() -> store.finishCancel(payment, key, answer, event))) {
            return new Finish.FinishedByAnotherAttempt();
        }
        events.committed(payment.merchantId, event);
        metrics.operation(ACTION, PaymentMetrics.SUCCEEDED);
        LOG.infof("payment %s merchant=%s payment_id=%s", payment.status.value(), payment.merchantId, payment.id);
        return new Finish.Finished(answer);
    }
}
