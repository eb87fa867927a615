package dev.payments.payment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.config.PaymentsConfig;
import dev.payments.database.DatabaseFailures;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotencyStore;
import dev.payments.idempotency.RequestFingerprint;
import dev.payments.idempotency.StoredResponse;
import dev.payments.problem.ProblemMapper;
import dev.payments.processor.PaymentProcessor;
import dev.payments.processor.PaymentProcessor.ChargeOutcome;
import dev.payments.processor.PaymentProcessor.ChargeRequest;
import dev.payments.problem.Problems;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.sql.SQLException;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Creates and reads payments. {@link #create} is the heart of the service: one transaction claims
 * the idempotency key, charges, stores the payment and stores the answer, so that a key either has
 * a payment and its answer, or has nothing at all.
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

    private final IdempotencyStore keys;
    private final PaymentProcessor processor;
    private final PaymentStore paymentStore;
    private final RequestFingerprint fingerprints;
    private final PaymentsConfig.Idempotency config;
    private final PaymentMetrics metrics;
    private final ObjectMapper json;
    private final ProblemMapper problems;

    PaymentService(IdempotencyStore keys, PaymentProcessor processor, PaymentStore paymentStore, RequestFingerprint fingerprints, PaymentsConfig config,
            PaymentMetrics metrics, ObjectMapper json, ProblemMapper problems) {
        this.keys = keys;
        this.processor = processor;
        this.paymentStore = paymentStore;
        this.fingerprints = fingerprints;
        this.config = config.idempotency();
        this.metrics = metrics;
        this.json = json;
        this.problems = problems;
    }

    /**
     * Creates the payment for this key, or replays the answer already stored for it. Throws 422
     * if the key was used with another request, 409 if a concurrent request holds the key for
     * longer than the lock timeout.
     */
    public CreateResult create(String merchantId, IdempotencyKey key, CreatePaymentRequest request) {
        String fingerprint = fingerprints.of("POST", CREATE_PATH, request.normalized());
        CreateResult result;
        try {
            result = QuarkusTransaction.requiringNew().call(() -> createOrReplay(merchantId, key, fingerprint, request));
        } catch (RuntimeException e) {
            if (DatabaseFailures.isLockTimeout(e)) {
                metrics.lockTimeout();
                LOG.infof("idempotency key busy merchant=%s key=%s: gave up after %s", merchantId, key, config.lockTimeout());
                throw Problems.keyInUse();
            }
            throw e;
        }
        if (result.replayed()) {
            metrics.replayed();
            LOG.debugf("payment replayed merchant=%s key=%s payment_id=%s", merchantId, key, result.paymentId());
        } else {
            PaymentStatus status = result.status() == 201 ? PaymentStatus.SUCCEEDED : PaymentStatus.DECLINED;
            metrics.created(status);
            LOG.infof("payment %s merchant=%s key=%s payment_id=%s amount=%d %s", status.value(), merchantId, key,
                    result.paymentId(), request.amount(), request.currency().toUpperCase(Locale.ROOT));
        }
        return result;
    }

    private CreateResult createOrReplay(String merchantId, IdempotencyKey key, String fingerprint,
            CreatePaymentRequest request) throws SQLException {
        for (int attempt = 1; attempt <= MAX_CLAIM_ATTEMPTS; attempt++) {
            // Waits here while a concurrent transaction holds the same key, then claims it (that
            // one rolled back) or finds it taken (that one committed).
            IdempotencyStore.Claim claim = keys.claim(merchantId, key, fingerprint, config.retention());
            if (claim instanceof IdempotencyStore.Claim.Claimed) {
                return charge(merchantId, key, request);
            }
            Optional<StoredResponse> stored = claim instanceof IdempotencyStore.Claim.Taken taken
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
            return new CreateResult(stored.get().status(), stored.get().body(), stored.get().paymentId(), true);
        }
        throw new IllegalStateException("idempotency key " + key + " changed hands " + MAX_CLAIM_ATTEMPTS + " times");
    }

    /**
     * Charges and records payment and answer. The processor is called inside the transaction that
     * holds the key, so a concurrent retry waits for it: sound for the in-process demo processor
     * only, whose call is instant and cannot fail halfway.
     */
    private CreateResult charge(String merchantId, IdempotencyKey key, CreatePaymentRequest request)
            throws SQLException {
        String currency = request.currency().toUpperCase(Locale.ROOT);
        ChargeOutcome outcome = processor.charge(new ChargeRequest(request.amount(), currency, request.paymentMethod()));
        Payment payment = new Payment();
        payment.id = Uuids.v7();
        payment.merchantId = merchantId;
        payment.amount = request.amount();
        payment.currency = currency;
        payment.paymentMethod = request.paymentMethod();
        payment.description = request.description();
        payment.metadata = request.metadata() == null ? Map.of() : request.metadata();
        // PostgreSQL keeps microseconds: truncate so the answer shows what a later GET shows
        payment.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        if (outcome instanceof ChargeOutcome.Declined declined) {
            payment.status = PaymentStatus.DECLINED;
            payment.declineCode = declined.declineCode();
        } else {
            payment.status = PaymentStatus.SUCCEEDED;
        }
        int status = payment.status == PaymentStatus.SUCCEEDED ? 201 : 402;
        String body = status == 201
                ? write(PaymentResponse.of(payment))
                : problems.write(Problems.cardDeclined(payment.id, payment.declineCode));
        paymentStore.insertWithAnswer(payment, key, status, body);
        return new CreateResult(status, body, payment.id, false);
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
