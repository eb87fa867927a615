package dev.payments.payment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.config.PaymentsConfig;
import static dev.payments.database.DatabaseException.autocommit;

import dev.payments.database.DatabaseFailures;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotencyStore;
import dev.payments.idempotency.RequestFingerprint;
import dev.payments.idempotency.StoredKey;
import dev.payments.problem.ProblemMapper;
import dev.payments.problem.Problems;
import dev.payments.processor.PaymentProcessor;
import dev.payments.processor.PaymentProcessor.ChargeOutcome;
import dev.payments.processor.PaymentProcessor.ChargeRequest;
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
 * Creates and reads payments. A create runs in three atomic phases, each ending at a point from
 * which anyone can finish it:
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

    /**
     * A claim can lose twice in a row only if the key vanishes under us: expired and deleted by
     * the cleanup job, or by another request reusing it. Three tries cover that; more means a bug.
     */
    private static final int MAX_CLAIM_ATTEMPTS = 3;

    /** First pause of a request waiting for another's outcome; doubled up to {@link #MAX_POLL}. */
    private static final Duration FIRST_POLL = Duration.ofMillis(10);
    /** A waiting request looks at least this often: the outcome is replayed at most this late. */
    private static final Duration MAX_POLL = Duration.ofMillis(200);

    private final IdempotencyStore keys;
    private final PaymentProcessor processor;
    private final PaymentStore store;
    private final RequestFingerprint fingerprints;
    private final PaymentsConfig.Idempotency config;
    private final Duration lease;
    private final PaymentMetrics metrics;
    private final ObjectMapper json;
    private final ProblemMapper problems;

    PaymentService(IdempotencyStore keys, PaymentProcessor processor, PaymentStore store, RequestFingerprint fingerprints,
            PaymentsConfig config, PaymentMetrics metrics, ObjectMapper json, ProblemMapper problems) {
        this.keys = keys;
        this.processor = processor;
        this.store = store;
        this.fingerprints = fingerprints;
        this.config = config.idempotency();
        this.lease = attemptBound(config.processor());
        this.metrics = metrics;
        this.json = json;
        this.problems = problems;
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

    /** The lease each attempt at phase 2 takes: see {@link #attemptBound}. */
    Duration lease() {
        return lease;
    }

    /**
     * Creates the payment for this key, or answers what the key already has: its stored answer, or
     * (while another request is still at the processor) its outcome once known. Throws 422 if the
     * key was used with another request, 409 if the outcome takes longer than the lock timeout, 503
     * if the processor's outcome is not known.
     */
    public CreateResult create(String merchantId, IdempotencyKey key, CreatePaymentRequest request) {
        String fingerprint = fingerprints.of("POST", CREATE_PATH, request.normalized());
        Begun begun = firstPhase(merchantId, key, fingerprint, request);
        CreateResult result;
        if (begun instanceof Begun.Started started) {
            result = drive(started.lease(), false, false);
        } else if (begun instanceof Begun.UnderWay underWay) {
            result = awaitOutcome(merchantId, key, underWay.paymentId());
        } else {
            result = ((Begun.Replay) begun).result();
        }
        if (result.replayed()) {
            metrics.replayed();
            LOG.debugf("payment replayed merchant=%s key=%s payment_id=%s", merchantId, key, result.paymentId());
        }
        return result;
    }

    /** What phase 1 found for the key. */
    private sealed interface Begun {
        /** The key is ours and the payment is stored, processing, leased to this request. */
        record Started(PaymentStore.Leased lease) implements Begun {
        }

        /** The key already has its answer. */
        record Replay(CreateResult result) implements Begun {
        }

        /** The key's payment is still processing (another request is at the processor, or gave up). */
        record UnderWay(UUID paymentId) implements Begun {
        }
    }

    private Begun firstPhase(String merchantId, IdempotencyKey key, String fingerprint, CreatePaymentRequest request) {
        if (!processor.isAvailable()) {
            // known to be down: refuse before storing anything, so the client can simply retry later
            throw Problems.processorUnavailable();
        }
        try {
            return autocommit(() -> claimAndInsert(merchantId, key, fingerprint, request));
        } catch (RuntimeException e) {
            if (DatabaseFailures.isLockTimeout(e)) {
                metrics.lockTimeout();
                LOG.infof("idempotency key busy merchant=%s key=%s: its first phase held it too long", merchantId, key);
                throw Problems.keyInUse();
            }
            throw e;
        }
    }

    private Begun claimAndInsert(String merchantId, IdempotencyKey key, String fingerprint,
            CreatePaymentRequest request) throws SQLException {
        for (int attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
            // Waits here while a concurrent first phase holds the same key, then claims it (that
            // one rolled back) or finds it taken (that one committed).
            IdempotencyStore.Claim<PaymentStore.Leased> claim = keys.claim(merchantId, key, fingerprint, config.retention(),
                    store.processing(newPayment(merchantId, key, request), lease));
            if (claim instanceof IdempotencyStore.Claim.Claimed<PaymentStore.Leased> claimed) {
                return new Begun.Started(claimed.created());
            }
            Optional<StoredKey> stored = claim instanceof IdempotencyStore.Claim.Taken<PaymentStore.Leased> taken
                    ? Optional.of(taken.stored())
                    : keys.find(merchantId, key, config.retention());
            if (stored.isEmpty()) {
                continue;
            }
            if (stored.get().expired()) {
                keys.forgetExpired(merchantId, key, config.retention());
                continue;
            }
            if (!fingerprints.sameRequest(stored.get(), fingerprint,
                    () -> fingerprints.legacyV1("POST", CREATE_PATH, request.legacyV1Fields()))) {
                metrics.conflict();
                throw Problems.keyReused();
            }
            UUID paymentId = stored.get().paymentId();
            return stored.get().answer()
                    .<Begun>map(answer -> new Begun.Replay(new CreateResult(answer.status(), answer.body(), paymentId, true)))
                    .orElseGet(() -> new Begun.UnderWay(paymentId));
        }
        throw new IllegalStateException("idempotency key " + key + " changed hands " + MAX_CLAIM_ATTEMPTS + " times");
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
        return payment;
    }

    /** The processor's Idempotency-Key for a payment's charge: a function of the payment alone. */
    static String processorKey(UUID paymentId) {
        return "payment-" + paymentId + "-charge";
    }

    /**
     * Phases 2 and 3 for a leased payment. {@code redrive}: an earlier attempt may have charged, so
     * the charge is looked up by reference first (the processor may have forgotten the key). The
     * answer is a replay unless this request is the one that created the payment.
     */
    CreateResult drive(PaymentStore.Leased leased, boolean redrive, boolean replayed) {
        Payment payment = leased.payment();
        ChargeOutcome outcome = redrive ? processor.findCharge(payment.id.toString()) : new ChargeOutcome.NotCharged();
        if (outcome instanceof ChargeOutcome.NotCharged) {
            outcome = processor.charge(new ChargeRequest(payment.amount, payment.currency, payment.paymentMethod, true,
                    payment.id.toString()), payment.processorKey);
        }
        if (!outcome.isFinal()) {
            metrics.outcomeUnknown();
            LOG.infof("payment processing merchant=%s payment_id=%s: outcome unknown (%s)", payment.merchantId,
                    payment.id, ((ChargeOutcome.Unknown) outcome).reason());
            giveBack(leased);
            throw Problems.paymentProcessing(payment.id);
        }
        return finish(payment, outcome, replayed);
    }

    /** Phase 3: the outcome and the key's answer in one statement. */
    private CreateResult finish(Payment payment, ChargeOutcome outcome, boolean replayed) {
        String chargeId;
        if (outcome instanceof ChargeOutcome.Declined declined) {
            payment.status = PaymentStatus.DECLINED;
            payment.declineCode = declined.declineCode();
            chargeId = declined.chargeId();
        } else {
            payment.status = PaymentStatus.SUCCEEDED;
            chargeId = ((ChargeOutcome.Succeeded) outcome).chargeId();
        }
        payment.processorChargeId = chargeId;
        int status = payment.status == PaymentStatus.SUCCEEDED ? 201 : 402;
        String body = status == 201
                ? write(PaymentResponse.of(payment))
                : problems.write(Problems.cardDeclined(payment.id, payment.declineCode));
        boolean won = autocommit(() -> store.finish(payment.id, payment.status, payment.declineCode, chargeId, status, body));
        if (!won) {
            // another attempt finished it first; the outcome is the same charge, and its answer stands
            return storedAnswer(payment);
        }
        metrics.created(payment.status);
        LOG.infof("payment %s merchant=%s key=%s payment_id=%s amount=%d %s", payment.status.value(), payment.merchantId,
                payment.idempotencyKey, payment.id, payment.amount, payment.currency);
        return new CreateResult(status, body, payment.id, replayed);
    }

    private CreateResult storedAnswer(Payment payment) {
        return answerOf(payment.merchantId, new IdempotencyKey(payment.idempotencyKey), payment.id)
                .orElseThrow(() -> new IllegalStateException("payment " + payment.id + " finished without an answer"));
    }

    /** The answer stored on the key for this payment, as a replay; empty while it has none. */
    private Optional<CreateResult> answerOf(String merchantId, IdempotencyKey key, UUID paymentId) {
        return autocommit(() -> keys.find(merchantId, key, config.retention()))
                .filter(stored -> paymentId.equals(stored.paymentId()))
                .flatMap(StoredKey::answer)
                .map(answer -> new CreateResult(answer.status(), answer.body(), paymentId, true));
    }

    /**
     * A request whose key's payment is still processing: waits (holding no transaction and no
     * connection between looks) until the answer is stored, and replays it; takes the attempt over
     * if the one running gives up or its lease passes; 409 after the lock timeout.
     */
    private CreateResult awaitOutcome(String merchantId, IdempotencyKey key, UUID paymentId) {
        long deadline = System.nanoTime() + config.lockTimeout().toNanos();
        Duration pause = FIRST_POLL;
        while (true) {
            Optional<CreateResult> answer = answerOf(merchantId, key, paymentId);
            if (answer.isPresent()) {
                return answer.get();
            }
            Optional<PaymentStore.Leased> taken = autocommit(() -> store.takeLease(paymentId, lease));
            if (taken.isPresent()) {
                LOG.infof("payment processing merchant=%s payment_id=%s: taking over its attempt", merchantId, paymentId);
                return drive(taken.get(), true, true);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                metrics.lockTimeout();
                LOG.infof("idempotency key busy merchant=%s key=%s: payment %s still at the processor after %s",
                        merchantId, key, paymentId, config.lockTimeout());
                throw Problems.keyInUse();
            }
            sleep(Duration.ofNanos(Math.min(left, pause.toNanos())));
            Duration doubled = pause.multipliedBy(2);
            pause = doubled.compareTo(MAX_POLL) > 0 ? MAX_POLL : doubled;
        }
    }

    /** Gives the lease back so a retry can take over at once; if this fails, the lease simply passes. */
    private void giveBack(PaymentStore.Leased leased) {
        try {
            autocommit(() -> {
                store.giveBack(leased);
                return null;
            });
        } catch (RuntimeException e) {
            LOG.debugf("could not give back the lease of payment %s: %s", leased.payment().id, e.getMessage());
        }
    }

    private static void sleep(Duration pause) {
        try {
            Thread.sleep(pause.toMillis(), (int) (pause.toNanos() % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a payment's outcome", e);
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<PaymentResponse> find(String merchantId, UUID id) {
        return Payment.<Payment>find("id = ?1 and merchantId = ?2", id, merchantId)
                .firstResultOptional()
                .map(PaymentResponse::of);
    }

    /** The merchant's payments, newest first, after {@code startingAfter} if given. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public PaymentList list(String merchantId, int limit, UUID startingAfter) {
        List<Payment> page;
        if (startingAfter == null) {
            page = Payment.<Payment>find("merchantId = ?1 order by createdAt desc, id desc", merchantId)
                    .range(0, limit)
                    .list();
        } else {
            Payment cursor = Payment.<Payment>find("id = ?1 and merchantId = ?2", startingAfter, merchantId)
                    .firstResultOptional()
                    .orElseThrow(() -> Problems.validation("starting_after", "no such payment"));
            page = Payment.<Payment>find("""
                            merchantId = ?1 and (createdAt < ?2 or (createdAt = ?2 and id < ?3))
                            order by createdAt desc, id desc""", merchantId, cursor.createdAt, cursor.id)
                    .range(0, limit)
                    .list();
        }
        boolean hasMore = page.size() > limit;
        List<PaymentResponse> data = page.stream().limit(limit).map(PaymentResponse::of).toList();
        return new PaymentList(data, hasMore);
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a payment", e);
        }
    }
}
