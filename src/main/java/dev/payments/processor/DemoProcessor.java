package dev.payments.processor;

import java.time.Duration;
import java.util.Optional;

/**
 * The demo processor: the outcome follows from the test card alone ({@link DemoCard}), at once
 * (the slow card after a pause).
 * It keeps no ledger, so a look-up finds nothing and a re-drive acts again with the same outcome;
 * no money moves, so nothing can be doubled.
 */
public class DemoProcessor implements PaymentProcessor {

    @Override
    public ChargeOutcome charge(ChargeRequest request, String idempotencyKey) {
        DemoCard card = DemoCard.byToken(request.paymentMethod())
                .orElseThrow(() -> new IllegalArgumentException("not a demo card: validation lets only demo cards through"));
        pause(card.chargeTakes());
        String chargeId = "ch_demo_" + idempotencyKey;
        if (card.declineCode().isPresent()) {
            return new ChargeOutcome.Declined(chargeId, card.declineCode().get());
        }
        return request.capture() ? new ChargeOutcome.Succeeded(chargeId, request.amount()) : new ChargeOutcome.Authorized(chargeId);
    }

    /**
     * Phase 2 holds no transaction and no connection, so a pause costs a thread only. It is for
     * show: interrupted, the charge is answered at once.
     */
    private static void pause(Duration duration) {
        if (duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public ChargeOutcome findCharge(String reference) {
        return new ChargeOutcome.NotCharged();
    }

    @Override
    public ChargeOutcome capture(String chargeId, long amount, String idempotencyKey) {
        return new ChargeOutcome.Succeeded(chargeId, amount);
    }

    @Override
    public ChargeOutcome cancel(String chargeId, String idempotencyKey) {
        return new ChargeOutcome.Canceled(chargeId);
    }

    @Override
    public RefundOutcome refund(RefundRequest request, String idempotencyKey) {
        return new RefundOutcome.Succeeded("re_demo_" + idempotencyKey);
    }

    @Override
    public RefundOutcome findRefund(String reference) {
        return new RefundOutcome.NotRefunded();
    }

    @Override
    public boolean isAvailable() {
        return true;
    }

    @Override
    public Optional<String> callsRejected() {
        return Optional.empty();
    }
}
