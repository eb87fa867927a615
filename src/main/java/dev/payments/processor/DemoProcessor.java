package dev.payments.processor;

import jakarta.enterprise.context.ApplicationScoped;

/** The demo processor: the outcome follows from the test card alone ({@link DemoCard}). */
@ApplicationScoped
public class DemoProcessor implements PaymentProcessor {

    @Override
    public ChargeOutcome charge(ChargeRequest request) {
        DemoCard card = DemoCard.byToken(request.paymentMethod())
                .orElseThrow(() -> new IllegalArgumentException("not a demo card: validation lets only demo cards through"));
        return card.declineCode().<ChargeOutcome>map(ChargeOutcome.Declined::new).orElseGet(ChargeOutcome.Succeeded::new);
    }
}
