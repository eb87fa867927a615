package dev.payments.processor;

/**
 * The demo processor: the outcome follows from the test card alone ({@link DemoCard}), instantly.
 * It keeps no ledger, so a look-up finds nothing and a re-drive charges again with the same
 * outcome; no money moves, so nothing can be doubled.
 */
public class DemoProcessor implements PaymentProcessor {

    @Override
    public ChargeOutcome charge(ChargeRequest request, String idempotencyKey) {
        DemoCard card = DemoCard.byToken(request.paymentMethod())
                .orElseThrow(() -> new IllegalArgumentException("not a demo card: validation lets only demo cards through"));
        String chargeId = "ch_demo_" + idempotencyKey;
        return card.declineCode().<ChargeOutcome>map(code -> new ChargeOutcome.Declined(chargeId, code))
                .orElseGet(() -> new ChargeOutcome.Succeeded(chargeId));
    }

    @Override
    public ChargeOutcome findCharge(String reference) {
        return new ChargeOutcome.NotCharged();
    }

    @Override
    public boolean isAvailable() {
        return true;
    }
}
