package dev.payments.payment;

import static dev.payments.database.DatabaseException.autocommit;

import dev.payments.config.PaymentsConfig;
import dev.payments.event.Events;
import dev.payments.http.Pages;
import dev.payments.idempotency.Answers;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotencyStore;
import dev.payments.idempotency.IdempotentOperation;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.RequestFingerprint;
import dev.payments.idempotency.StoredKey;
import dev.payments.problem.Problems;
import dev.payments.processor.PaymentProcessor;
import dev.payments.processor.PaymentProcessor.ChargeOutcome;
import dev.payments.processor.PaymentProcessor.ChargeRequest;
import io.quarkus.panache.common.Parameters;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Creates and reads payments. A create is an {@link IdempotentOperation} in three atomic phases,
 * each ending at a point from which anyone can finish it:
 * <ol>
 * <li>one statement, committing by itself, claims the idempotency key and inserts the payment,
 * {@code processing}, with the processor key it will use (the key row names the payment);
 * <li>the processor call, outside any transaction and holding no pooled connection, under that
 * processor key (every attempt, by any instance, hits the same charge);
 * <li>one statement, committing by itself, records the outcome and stores the answer on the key;
 * only then is the client answered 201 or 402.
 * </ol>
 * If phase 2 ends without an outcome (a timeout, a reset, a 5xx, an open circuit, a crash), the
 * payment stays {@code processing}; the client gets 503, and a retry with the same key, or the
 * recovery job, finishes it: it looks the charge up by the payment's reference first, and charges
 * (with the same processor key) only if there is none.
 */
@ApplicationScoped
public class PaymentService {

    private static final Logger LOG = Logger.getLogger(PaymentService.class);

    static final String CREATE_PATH = "/payments";

    private final IdempotentRequests idempotent;
    private final PaymentProcessor processor;
    private final PaymentStore store;
    private final IdempotencyStore keys;
    private final RequestFingerprint fingerprints;
    private final Duration lease;
    private final PaymentMetrics metrics;
    private final Answers answers;
    private final Events events;

    PaymentService(IdempotentRequests idempotent, PaymentProcessor processor, PaymentStore store, IdempotencyStore keys,
            RequestFingerprint fingerprints, PaymentsConfig config, PaymentMetrics metrics, Answers answers, Events events) {
        this.events = events;
        this.idempotent = idempotent;
        this.processor = processor;
        this.store = store;
        this.keys = keys;
        this.fingerprints = fingerprints;
        this.lease = attemptBound(config.processor());
        this.metrics = metrics;
        this.answers = answers;
    }

    /**
     * How long one attempt at phase 2 can take: every call at its timeout, and the waits between
     * them at their cap, plus a second for the commits around it. Past it nobody can still be
     * waiting for the processor's answer, so another attempt may take over.
     */
    static Duration attemptBound(PaymentsConfig.Processor processor) {
        int calls = processor.maxRetries() + 1;
        return processor.timeout().multipliedBy(calls)
                .plus(processor.maxRetryDelay().multipliedBy(processor.maxRetries()))
                .plusSeconds(1);
    }

    /** The lease each attempt at phase 2 takes, of any operation: see {@link #attemptBound}. */
    public Duration lease() {
        return lease;
    }

    /**
     * Creates the payment for this key, or answers what the key already has (see
     * {@link IdempotentRequests#run}). 503 before anything is stored if the processor is known to be down.
     */
    public IdempotentRequests.Result create(String merchantId, IdempotencyKey key, CreatePaymentRequest request) {
        if (!processor.isAvailable()) {
            // known to be down: refuse before storing anything, so the client can simply retry later
            throw Problems.processorUnavailable();
        }
        Payment payment = newPayment(merchantId, key, request);
        return idempotent.run(new IdempotentRequests.Request(merchantId, key, "POST", CREATE_PATH, request.normalized(),
                        legacyV1(request)),
                new IdempotentOperation<PaymentStore.Leased>() {
                    @Override
                    public UUID paymentId() {
                        return payment.id;
                    }

                    @Override
                    public UUID resourceId() {
                        return payment.id;
                    }

                    @Override
                    public IdempotencyStore.Creation<PaymentStore.Leased> creationWithClaim() {
                        return store.processing(payment, lease);
                    }

                    @Override
                    public Optional<StoredKey.Answer> drive(PaymentStore.Leased attempt, boolean redrive) {
                        return PaymentService.this.drive(attempt, redrive);
                    }

                    @Override
                    public Optional<PaymentStore.Leased> takeOver(StoredKey stored) throws SQLException {
                        return store.takeLease(stored.resourceId(), lease);
                    }
                });
    }

    private java.util.function.Supplier<String> legacyV1(CreatePaymentRequest request) {
        return () -> {
            java.util.Map<String, Object> fields = request.legacyV1Fields();
            return fields == null ? null : fingerprints.legacyV1("POST", CREATE_PATH, fields);
        };
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
        payment.processorKey = processorKey(payment.id);
        payment.idempotencyKey = key.value();
        payment.captureMethod = request.captureMethodOrDefault().value();
        return payment;
    }

    /** The processor's Idempotency-Key for a payment's charge: a function of the payment alone. */
    static String processorKey(UUID paymentId) {
        return "payment-" + paymentId + "-charge";
    }

    /**
     * Phases 2 and 3 for a leased payment. {@code redrive}: an earlier attempt may have charged, so
     * the charge is looked up by reference first (the processor may have forgotten the key).
     * Empty if another attempt finished it first.
     */
    Optional<StoredKey.Answer> drive(PaymentStore.Leased leased, boolean redrive) {
        Payment payment = leased.payment();
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
            giveBack(leased);
            throw Problems.paymentProcessing(payment.id);
        }
        return finish(payment, outcome);
    }

    /** Phase 3: the outcome and the key's answer in one statement. */
    private Optional<StoredKey.Answer> finish(Payment payment, ChargeOutcome outcome) {
        if (outcome instanceof ChargeOutcome.Declined declined) {
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
        StoredKey.Answer answer = payment.status == PaymentStatus.DECLINED
                ? answers.problem(Problems.cardDeclined(payment.id, payment.declineCode))
                : answers.created(PaymentResponse.of(payment), CREATE_PATH + "/" + payment.id);
        boolean won = autocommit(() -> keys.complete(payment.merchantId, Optional.of(new IdempotencyKey(payment.idempotencyKey)),
                answer, store.finished(payment, events.of(eventType(payment.status), PaymentResponse.of(payment)))));
        if (!won) {
            return Optional.empty();
        }
        metrics.created(payment.status);
        LOG.infof("payment %s merchant=%s key=%s payment_id=%s amount=%d %s", payment.status.value(), payment.merchantId,
                payment.idempotencyKey, payment.id, payment.amount, payment.currency);
        return Optional.of(answer);
    }

    private static String eventType(PaymentStatus status) {
        return switch (status) {
            case SUCCEEDED -> Events.PAYMENT_SUCCEEDED;
            case DECLINED -> Events.PAYMENT_DECLINED;
            case REQUIRES_CAPTURE -> Events.PAYMENT_REQUIRES_CAPTURE;
            default -> throw new IllegalStateException("a create does not end " + status.value());
        };
    }

    /** Gives the lease back so a retry can take over at once; if this fails, the lease simply passes. */
    void giveBack(PaymentStore.Leased leased) {
        try {
            autocommit(() -> {
                store.giveBack(leased);
                return null;
            });
        } catch (RuntimeException e) {
            LOG.debugf("could not give back the lease of payment %s: %s", leased.payment().id, e.getMessage());
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<PaymentResponse> find(String merchantId, UUID id) {
        return Payment.<Payment>find("#" + Payment.OF_MERCHANT, Parameters.with("id", id).and("merchantId", merchantId))
                .firstResultOptional()
                .map(PaymentResponse::of);
    }

    /** The merchant's payments, newest first, after {@code startingAfter} if given. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public PaymentList list(String merchantId, int limit, UUID startingAfter) {
        List<Payment> page;
        if (startingAfter == null) {
            page = Payment.<Payment>find("#" + Payment.PAGE, Parameters.with("merchantId", merchantId))
                    .range(0, limit)
                    .list();
        } else {
            Payment cursor = Payment.<Payment>find("#" + Payment.OF_MERCHANT,
                            Parameters.with("id", startingAfter).and("merchantId", merchantId))
                    .firstResultOptional()
                    .orElseThrow(() -> Problems.validation("starting_after", "no such payment"));
            page = Payment.<Payment>find("#" + Payment.PAGE_AFTER, Parameters.with("merchantId", merchantId)
                            .and("createdAt", cursor.createdAt).and("id", cursor.id))
                    .range(0, limit)
                    .list();
        }
        boolean hasMore = page.size() > limit;
        List<PaymentResponse> data = page.stream().limit(limit).map(PaymentResponse::of).toList();
        return new PaymentList(data, hasMore);
    }
}
