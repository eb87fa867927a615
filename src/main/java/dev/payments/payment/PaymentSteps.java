package dev.payments.payment;

import dev.payments.idempotency.Answers;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.IdempotentOperation;
import dev.payments.idempotency.IdempotentRequests;
import dev.payments.idempotency.StoredKey;
import dev.payments.problem.Problem;
import dev.payments.problem.Problems;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * Runs an idempotent step on one of the merchant's payments (a capture, a cancel, a refund) as an
 * {@link IdempotentOperation}: a 404 before the key is claimed when the payment is not the
 * merchant's (no key is used up), and phase 1 on the payment row locked, where the step is either
 * refused (a 409, stored as the key's answer) or started.
 */
@ApplicationScoped
public class PaymentSteps {

    private static final Logger LOG = Logger.getLogger(PaymentSteps.class);

    private final IdempotentRequests idempotent;
    private final PaymentService payments;
    private final PaymentStore store;
    private final PaymentMetrics metrics;
    private final Answers answers;

    PaymentSteps(IdempotentRequests idempotent, PaymentService payments, PaymentStore store, PaymentMetrics metrics,
            Answers answers) {
        this.idempotent = idempotent;
        this.payments = payments;
        this.store = store;
        this.metrics = metrics;
        this.answers = answers;
    }

    /** What a step does; the rest (the key, the 404, the lock, the refusal's storing) is {@link #run}'s. */
    public interface Step<S> {
        /** Phase 1, on the locked payment: why the step may not run (a 409), or null if it may. */
        Problem refusal(Payment locked);

        /** Phase 1, on the locked payment: records the step as under way, leased to this attempt. */
        S start(Payment locked) throws SQLException;

        /** Phases 2 and 3: see {@link IdempotentOperation#drive}. */
        Optional<StoredKey.Answer> drive(S attempt, boolean redrive);

        /** See {@link IdempotentOperation#takeOver}. */
        Optional<S> takeOver(StoredKey stored) throws SQLException;
    }

    /**
     * Runs {@code step} ({@code operation}: capture, cancel or refund) on the payment for this key:
     * POST {@code path} with {@code body}, making or changing {@code resourceId}.
     */
    public <S> IdempotentRequests.Result run(String operation, String merchantId, IdempotencyKey key, UUID paymentId,
            String path, Object body, UUID resourceId, Step<S> step) {
        if (payments.find(merchantId, paymentId).isEmpty()) {
            throw Problems.notFound("No payment " + paymentId + " for this merchant.");
        }
        return idempotent.run(new IdempotentRequests.Request(merchantId, key, "POST", path, body, null),
                new IdempotentOperation<S>() {
                    @Override
                    public UUID paymentId() {
                        return paymentId;
                    }

                    @Override
                    public UUID resourceId() {
                        return resourceId;
                    }

                    @Override
                    public Begun<S> begin() throws SQLException {
                        Payment payment = store.lock(merchantId, paymentId).orElseThrow(
                                () -> new IllegalStateException("payment " + paymentId + " vanished"));
                        Problem refusal = step.refusal(payment);
                        if (refusal == null) {
                            return new Begun.Started<>(step.start(payment));
                        }
                        metrics.operation(operation, PaymentMetrics.REFUSED);
                        LOG.infof("%s refused merchant=%s payment_id=%s: %s", operation, merchantId, paymentId,
                                refusal.detail());
                        return new Begun.Answered<>(answers.problem(refusal));
                    }

                    @Override
                    public Optional<StoredKey.Answer> drive(S attempt, boolean redrive) {
                        return step.drive(attempt, redrive);
                    }

                    @Override
                    public Optional<S> takeOver(StoredKey stored) throws SQLException {
                        return step.takeOver(stored);
                    }
                });
    }
}
