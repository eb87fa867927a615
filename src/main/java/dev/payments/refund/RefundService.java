package dev.payments.refund;

import static dev.payments.database.DatabaseException.autocommit;

import dev.payments.event.Events;
import dev.payments.idempotency.Answers;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotencyStore;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.StoredKey;
import dev.payments.payment.Payment;
import dev.payments.payment.PaymentMetrics;
import dev.payments.payment.PaymentService;
import dev.payments.payment.PaymentStatus;
import dev.payments.payment.PaymentSteps;
import dev.payments.payment.Uuids;
import dev.payments.problem.Problem;
import dev.payments.problem.Problems;
import dev.payments.processor.PaymentProcessor;
import dev.payments.processor.PaymentProcessor.RefundOutcome;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Refunds of a captured payment, each an idempotent step ({@link PaymentSteps}) in the three phases: (1) in
 * the transaction that claims the key, the payment is locked and the refund inserted pending,
 * which holds its amount back on the payment (or the request is refused with a 409 that is the
 * key's answer); (2) the processor's refund; (3) the outcome with the key's answer, in one
 * statement. Many refunds per payment, never more in all than was captured: the row lock queues
 * concurrent refunds, and the database's constraint refuses any that would not fit.
 */
@ApplicationScoped
public class RefundService {

    private static final Logger LOG = Logger.getLogger(RefundService.class);

    private static final String REFUND = "refund";
    static final String PATH = "/refunds";

    private final PaymentSteps steps;
    private final PaymentService payments;
    private final RefundStore store;
    private final IdempotencyStore keys;
    private final PaymentProcessor processor;
    private final PaymentMetrics metrics;
    private final Answers answers;
    private final Events events;
    private final Duration lease;

    RefundService(PaymentSteps steps, PaymentService payments, RefundStore store, IdempotencyStore keys,
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

    Duration lease() {
        return lease;
    }

    /** Refunds part or all of what remains of the payment; 201 with the refund. */
    public IdempotentRequests.Result create(String merchantId, IdempotencyKey key, UUID paymentId,
            CreateRefundRequest request) {
        UUID refundId = Uuids.v7();
        String path = "/payments/" + paymentId + "/refunds";
        return steps.run(REFUND, merchantId, key, paymentId, path, request.normalized(), refundId,
                new PaymentSteps.Step<RefundStore.Leased>() {
                    @Override
                    public Problem refusal(Payment locked) {
                        return RefundService.refusal(locked, request);
                    }

                    @Override
                    public RefundStore.Leased start(Payment locked) throws SQLException {
                        return store.insertPending(newRefund(refundId, locked, key, request), locked.processorChargeId,
                                lease);
                    }

                    @Override
                    public Optional<StoredKey.Answer> drive(RefundStore.Leased attempt, boolean redrive) {
                        return RefundService.this.drive(attempt, redrive);
                    }

                    @Override
                    public Optional<RefundStore.Leased> takeOver(StoredKey stored) throws SQLException {
                        return store.takeLease(stored.resourceId(), lease);
                    }
                });
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
        refund.status = "pending";
        refund.reason = request.reason() == null ? null : request.reason().value();
        refund.metadata = request.metadata() == null ? Map.of() : request.metadata();
        // PostgreSQL keeps microseconds: truncate so the answer shows what a later GET shows
        refund.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        refund.processorKey = processorKey(id);
        refund.idempotencyKey = key.value();
        return refund;
    }

    /** The processor's Idempotency-Key for a refund: a function of the refund alone. */
    static String processorKey(UUID refundId) {
        return "refund-" + refundId;
    }

    /**
     * Phases 2 and 3 for a leased refund. {@code redrive}: an earlier attempt may have refunded, so
     * the refund is looked up by its reference first. Empty if another attempt finished it first.
     */
    Optional<StoredKey.Answer> drive(RefundStore.Leased leased, boolean redrive) {
        Refund refund = leased.refund();
        RefundOutcome outcome = redrive ? processor.findRefund(refund.id.toString()) : new RefundOutcome.NotRefunded();
        if (outcome instanceof RefundOutcome.NotRefunded) {
            outcome = processor.refund(new PaymentProcessor.RefundRequest(leased.chargeId(), refund.amount,
                    refund.id.toString()), refund.processorKey);
        }
        if (outcome instanceof RefundOutcome.Succeeded succeeded) {
            refund.status = "succeeded";
            refund.processorRefundId = succeeded.refundId();
        } else if (outcome instanceof RefundOutcome.Failed failed) {
            refund.status = "failed";
            refund.processorRefundId = failed.refundId();
            refund.failureCode = failed.failureCode();
        } else {
            metrics.operation(REFUND, PaymentMetrics.UNKNOWN);
            LOG.infof("refund pending merchant=%s refund_id=%s: outcome unknown (%s)", refund.merchantId, refund.id,
                    ((RefundOutcome.Unknown) outcome).reason());
            giveBack(leased);
            throw Problems.refundPending(refund.paymentId, refund.id);
        }
        RefundResponse finished = RefundResponse.of(refund);
        StoredKey.Answer answer = answers.created(finished, PATH + "/" + refund.id);
        IdempotencyStore.Event event = events.of(
                refund.status.equals("succeeded") ? Events.REFUND_SUCCEEDED : Events.REFUND_FAILED, finished);
        boolean won = autocommit(() -> keys.complete(refund.merchantId, Optional.of(new IdempotencyKey(refund.idempotencyKey)),
                answer, store.finished(refund, event)));
        if (!won) {
            return Optional.empty();
        }
        metrics.operation(REFUND, refund.status.equals("succeeded") ? PaymentMetrics.SUCCEEDED : PaymentMetrics.FAILED);
        LOG.infof("refund %s merchant=%s payment_id=%s refund_id=%s amount=%d %s", refund.status, refund.merchantId,
                refund.paymentId, refund.id, refund.amount, refund.currency);
        return Optional.of(answer);
    }

    private void giveBack(RefundStore.Leased leased) {
        try {
            autocommit(() -> {
                store.giveBack(leased);
                return null;
            });
        } catch (RuntimeException e) {
            LOG.debugf("could not give back the lease of refund %s: %s", leased.refund().id, e.getMessage());
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<RefundResponse> find(String merchantId, UUID id) {
        return Refund.<Refund>find("#" + Refund.OF_MERCHANT, Parameters.with("id", id).and("merchantId", merchantId))
                .firstResultOptional()
                .map(RefundResponse::of);
    }

    /** The payment's refunds, newest first, after {@code startingAfter} if given; 404 if the payment is not the merchant's. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public RefundList list(String merchantId, UUID paymentId, int limit, UUID startingAfter) {
        if (payments.find(merchantId, paymentId).isEmpty()) {
            throw Problems.notFound("No payment " + paymentId + " for this merchant.");
        }
        List<Refund> page;
        if (startingAfter == null) {
            page = Refund.<Refund>find("#" + Refund.PAGE, Parameters.with("paymentId", paymentId))
                    .range(0, limit)
                    .list();
        } else {
            Refund cursor = Refund.<Refund>find("#" + Refund.OF_PAYMENT,
                            Parameters.with("id", startingAfter).and("paymentId", paymentId))
                    .firstResultOptional()
                    .orElseThrow(() -> Problems.validation("starting_after", "no such refund of this payment"));
            page = Refund.<Refund>find("#" + Refund.PAGE_AFTER, Parameters.with("paymentId", paymentId)
                            .and("createdAt", cursor.createdAt).and("id", cursor.id))
                    .range(0, limit)
                    .list();
        }
        boolean hasMore = page.size() > limit;
        return new RefundList(page.stream().limit(limit).map(RefundResponse::of).toList(), hasMore);
    }
}
