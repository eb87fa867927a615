package dev.payments.payment;

import static dev.payments.database.DatabaseException.unchecked;

import dev.payments.database.Uuids;
import dev.payments.event.Event;
import dev.payments.event.Events;
import dev.payments.idempotency.AnswerWriter;
import dev.payments.idempotency.Claim;
import dev.payments.idempotency.Finish;
import dev.payments.idempotency.IdempotencyConfig;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.KeyedRequest;
import dev.payments.idempotency.Outcome;
import dev.payments.idempotency.Resumable;
import dev.payments.idempotency.StillUnknown;
import dev.payments.idempotency.StoredAnswer;
import dev.payments.idempotency.StoredKey;
import dev.payments.problem.Problems;
import dev.payments.processor.AttemptLease;
import dev.payments.processor.PaymentProcessor;
import dev.payments.processor.PaymentProcessor.ChargeOutcome;
import dev.payments.processor.PaymentProcessor.ChargeRequest;
import dev.payments.processor.ProcessorUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * {@code POST /payments}: a payment made exactly once per Idempotency-Key, in three atomic phases,
 * each ending at a point from which anyone can finish it:
 * <ol>
 * <li>one statement, committing by itself, claims the key and inserts the payment,
 * {@code processing}, leased to this attempt, with the processor key every attempt will use;
 * <li>the processor call, outside any transaction and holding no pooled connection;
 * <li>one statement, committing by itself, records the outcome, its event and the key's answer;
 * only then is the client answered 201, or 402: declined, or {@code failed} (the processor refused
 * the charge as a request; nothing was charged).
 * </ol>
 * Creates that reach phase 1 (or 3) together share its statement, each with its own rows
 * ({@link PaymentStore}); a statement commits all of its rows or none.
 * A request whose key was taken already is answered by the key ({@link IdempotentRequests}): the
 * answer replayed, a 422 for another body, or the wait for the attempt under way, which it takes
 * over (by {@link #takeOver}) if that attempt gave up. If phase 2 ends without an outcome (a
 * timeout, a reset, a 5xx, an open circuit, a crash, or the processor rejecting our API key), the
 * payment stays {@code processing}: a retry with the key, or {@link PaymentRecovery}, finishes it,
 * asking the processor for the charge by the payment's reference first, and charging (with the
 * same processor key) only if there is none.
 */
@ApplicationScoped
public class CreatePayment implements Resumable<LeasedPayment> {

    private static final Logger LOG = Logger.getLogger(CreatePayment.class);

    static final String PATH = "/payments";
    static final String OPERATION = "create";

    private final IdempotentRequests keys;
    private final PaymentStore store;
    private final PaymentProcessor processor;
    private final AnswerWriter answers;
    private final Events events;
    private final PaymentMetrics metrics;
    private final Duration lease;
    private final Duration retention;

    CreatePayment(IdempotentRequests keys, PaymentStore store, PaymentProcessor processor, AnswerWriter answers,
            Events events, PaymentMetrics metrics, AttemptLease lease, IdempotencyConfig keyConfig) {
        this.keys = keys;
        this.store = store;
        this.processor = processor;
        this.answers = answers;
        this.events = events;
        this.metrics = metrics;
        this.lease = lease.duration();
        this.retention = keyConfig.retention();
    }

    public Outcome run(String merchantId, IdempotencyKey key, CreatePaymentRequest request) {
        if (!processor.isAvailable()) {
            throw new ProcessorUnavailableException();
        }
        KeyedRequest keyed = keys.request(merchantId, key, "POST", PATH, request.normalized(),
                request::legacyV1Fields);
        Payment payment = newPayment(merchantId, key, request);
        for (int claims = 1; ; claims++) {
            // Phase 1: the key and the payment, in one statement
            Claim<LeasedPayment> claim = keys.inOneStatement(
                    () -> store.insertKeyAndPayment(keyed, payment, lease, retention));
            if (claim instanceof Claim.Started<LeasedPayment> started) {
                // Phases 2 and 3
                return keys.outcomeOfFirstAttempt(keyed, payment.id, finish(started.attempt(), false));
            }
            Optional<Outcome> answered = keys.outcomeOfClaim(keyed, claim, this, claims);
            if (answered.isPresent()) {
                return answered.get();
            }
        }
    }

    private static Payment newPayment(String merchantId, IdempotencyKey key, CreatePaymentRequest request) {
        Payment payment = new Payment();
        payment.id = Uuids.v7();
        payment.merchantId = merchantId;
        payment.amount = request.amount();
        payment.currency = request.currency().toUpperCase(Locale.ROOT);
        payment.paymentMethod = request.paymentMethod();
        payment.description = request.description();
        payment.metadata = request.metadata() == null ? Map.of() : request.metadata();
        // PostgreSQL keeps microseconds: truncate so the answer shows what a later GET shows
        payment.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        payment.status = PaymentStatus.PROCESSING;
        payment.processorKey = "payment-" + payment.id + "-charge";
        payment.idempotencyKey = key.value();
        payment.captureMethod = request.captureMethodOrDefault().value();
        return payment;
    }

    /** A request with the key finds the payment still processing: its lease, if no attempt holds it. */
    @Override
    public Optional<LeasedPayment> takeOver(KeyedRequest request, StoredKey stored) throws SQLException {
        return store.takeLease(stored.resourceId(), lease);
    }

    @Override
    public Finish finishTakenOver(LeasedPayment leased) {
        return finish(leased, true);
    }

    /**
     * Phases 2 and 3 of a leased payment. {@code redrive}: an earlier attempt may have charged, so
     * the charge is looked up by reference first (the processor may have forgotten the key).
     */
    Finish finish(LeasedPayment leased, boolean redrive) {
        Payment payment = leased.payment();
        // Phase 2: the processor, with no transaction open
        ChargeOutcome outcome = redrive ? processor.findCharge(payment.id.toString()) : new ChargeOutcome.NotCharged();
        if (outcome instanceof ChargeOutcome.NotCharged) {
            outcome = processor.charge(new ChargeRequest(payment.amount, payment.currency, payment.paymentMethod,
                    CaptureMethod.AUTOMATIC.value().equals(payment.captureMethod), payment.id.toString()),
                    payment.processorKey);
        }
        if (!outcome.isFinal()) {
            metrics.outcomeUnknown();
            LOG.infof("payment processing merchant=%s payment_id=%s: outcome unknown (%s)", payment.merchantId,
                    payment.id, outcome instanceof ChargeOutcome.Unknown unknown ? unknown.reason() : outcome);
            store.giveBack(leased);
            return new StillUnknown(OPERATION, payment.id, payment.id);
        }
        // Phase 3: the outcome, its event and the key's answer, in one statement
        recordOutcome(payment, outcome);
        PaymentResponse finished = PaymentResponse.of(payment);
        StoredAnswer answer = switch (payment.status) {
            case DECLINED -> answers.problem(Problems.cardDeclined(payment.id, payment.declineCode));
            case FAILED -> answers.problem(Problems.paymentFailed(payment.id, payment.failureCode,
                    ((ChargeOutcome.Refused) outcome).message()));
            default -> answers.created(finished, PATH + "/" + payment.id);
        };
        Event event = events.of(eventType(payment.status), finished);
        if (!unchecked(() -> store.finishCreate(payment, answer, event))) {
            return new Finish.FinishedByAnotherAttempt();
        }
        events.committed(payment.merchantId, event);
        metrics.created(payment.status);
        LOG.infof("payment %s merchant=%s key=%s payment_id=%s amount=%d %s", payment.status.value(), payment.merchantId,
                payment.idempotencyKey, payment.id, payment.amount, payment.currency);
        return new Finish.Finished(answer);
    }

    private static void recordOutcome(Payment payment, ChargeOutcome outcome) {
        if (outcome instanceof ChargeOutcome.Refused refused) {
            payment.status = PaymentStatus.FAILED;
            payment.failureCode = refused.code();
        } else if (outcome instanceof ChargeOutcome.Declined declined) {
            payment.status = PaymentStatus.DECLINED;
            payment.declineCode = declined.declineCode();
            payment.processorChargeId = declined.chargeId();
        } else if (outcome instanceof ChargeOutcome.Authorized authorized) {
            payment.status = PaymentStatus.REQUIRES_CAPTURE;
            payment.amountCapturable = payment.amount;
            payment.processorChargeId = authorized.chargeId();
        } else if (outcome instanceof ChargeOutcome.Succeeded succeeded) {
            payment.status = PaymentStatus.SUCCEEDED;
            payment.amountCaptured = succeeded.amountCaptured();
            payment.processorChargeId = succeeded.chargeId();
        } else {
            // a charge we just made cannot be canceled already: only an operator at the processor can
            throw new IllegalStateException("payment " + payment.id + ": the processor's charge is " + outcome);
        }
    }

    private static String eventType(PaymentStatus status) {
        return switch (status) {
            case SUCCEEDED -> Events.PAYMENT_SUCCEEDED;
            case DECLINED -> Events.PAYMENT_DECLINED;
            case REQUIRES_CAPTURE -> Events.PAYMENT_REQUIRES_CAPTURE;
            case FAILED -> Events.PAYMENT_FAILED;
            default -> throw new IllegalStateException("a create does not end " + status.value());
        };
    }
}
