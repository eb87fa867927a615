package dev.payments.processor;

import java.util.Optional;

/**
 * The port to whatever moves the money: {@link HttpProcessor} (a processor over the network, the
 * real case) or {@link DemoProcessor} (in process, instant, when no processor is configured). The
 * create flow calls it between its transactions, never inside one.
 */
public interface PaymentProcessor {

    /**
     * Charges, under the processor's idempotency key {@code idempotencyKey}: the same key always
     * means the same charge, so calling again after an unknown outcome is safe. Never throws for
     * what the processor or the network does: that is an {@link ChargeOutcome.Unknown}.
     */
    ChargeOutcome charge(ChargeRequest request, String idempotencyKey);

    /**
     * The charge made for our {@code reference}, or {@link ChargeOutcome.NotCharged} if there is
     * none: how a re-drive learns what an earlier attempt did, however long ago (processors forget
     * idempotency keys, but not charges).
     */
    ChargeOutcome findCharge(String reference);

    /**
     * Captures {@code amount} of an authorized charge (the rest of the authorization is released),
     * under {@code idempotencyKey}. {@link ChargeOutcome.Succeeded} once captured.
     */
    ChargeOutcome capture(String chargeId, long amount, String idempotencyKey);

    /** Cancels an authorized charge under {@code idempotencyKey}: {@link ChargeOutcome.Canceled} once done. */
    ChargeOutcome cancel(String chargeId, String idempotencyKey);

    /** Refunds part or all of a captured charge under {@code idempotencyKey}. */
    RefundOutcome refund(RefundRequest request, String idempotencyKey);

    /** The refund made for our {@code reference}, or {@link RefundOutcome.NotRefunded}: a re-drive's look-up. */
    RefundOutcome findRefund(String reference);

    /**
     * False while the processor is known to be down (the circuit breaker is open): a new payment
     * is then refused at once, before anything is stored, instead of being left to the recovery job.
     */
    boolean isAvailable();

    /**
     * Why the processor rejects our calls (a wrong API key, a wrong URL: 401, 403, 404), as its
     * last answer said; empty once it accepts a call again. Nothing is final while it lasts.
     */
    Optional<String> callsRejected();

    /**
     * What to charge: minor units of an ISO 4217 currency (upper case) on a payment method token,
     * for our payment {@code reference}; {@code capture} false only authorizes.
     */
    record ChargeRequest(long amount, String currency, String paymentMethod, boolean capture, String reference) {
    }

    /** What to refund: minor units of the charge {@code chargeId}, for our refund {@code reference}. */
    record RefundRequest(String chargeId, long amount, String reference) {
    }

    /** What a charge, a capture, a cancel (or a look-up) came to: the charge's state. */
    sealed interface ChargeOutcome {

        /** The money moved: the processor's charge {@code chargeId} captured {@code amountCaptured}. */
        record Succeeded(String chargeId, long amountCaptured) implements ChargeOutcome {
        }

        /** The charge is authorized, not captured ({@code capture: false}). */
        record Authorized(String chargeId) implements ChargeOutcome {
        }

        /** The authorization was canceled: nothing will be captured. */
        record Canceled(String chargeId) implements ChargeOutcome {
        }

        /** The card was declined, and why; the processor still made a charge record. */
        record Declined(String chargeId, String declineCode) implements ChargeOutcome {
        }

        /**
         * The processor refused the request itself (400 or 422: an unknown payment method, say)
         * with its error {@code code} and {@code message}: nothing was charged, and asking again
         * would be refused again.
         */
        record Refused(String code, String message) implements ChargeOutcome {
        }

        /** A look-up found no charge for the reference: nothing was charged, a charge may be made. */
        record NotCharged() implements ChargeOutcome {
        }

        /**
         * The processor may or may not have acted (a timeout, a reset connection, a 5xx, an open
         * circuit, an answer we do not understand); only a later look-up or the same key can tell.
         */
        record Unknown(String reason) implements ChargeOutcome {
        }

        /** True once the outcome is known: the charge is in one of its states. */
        default boolean isFinal() {
            return !(this instanceof NotCharged || this instanceof Unknown);
        }
    }

    /** What a refund (or a look-up) came to. */
    sealed interface RefundOutcome {

        /** The money went back: the processor's refund {@code refundId}. */
        record Succeeded(String refundId) implements RefundOutcome {
        }

        /**
         * The processor could not refund (a closed card account, say), and why: nothing moved. A
         * refund it refused as a request (400, 422) has no {@code refundId}.
         */
        record Failed(String refundId, String failureCode) implements RefundOutcome {
        }

        /** A look-up found no refund for the reference: none was made, one may be made. */
        record NotRefunded() implements RefundOutcome {
        }

        /** The processor may or may not have acted; only a later look-up or the same key can tell. */
        record Unknown(String reason) implements RefundOutcome {
        }

        default boolean isFinal() {
            return this instanceof Succeeded || this instanceof Failed;
        }
    }
}
