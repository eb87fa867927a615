package dev.payments.processor;

/**
 * The port to whatever moves the money. Today one adapter, {@link DemoProcessor}, in process and
 * instant; the create flow asks it for a charge and records what it answered.
 */
public interface PaymentProcessor {

    ChargeOutcome charge(ChargeRequest request);

    /** What to charge: minor units of an ISO 4217 currency (upper case), on a payment method token. */
    record ChargeRequest(long amount, String currency, String paymentMethod) {
    }

    /** What the processor answered: the money moved, or the card was declined (and why). */
    sealed interface ChargeOutcome {
        record Succeeded() implements ChargeOutcome {
        }

        record Declined(String declineCode) implements ChargeOutcome {
        }
    }
}
