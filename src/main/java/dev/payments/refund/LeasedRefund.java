package dev.payments.refund;

import java.time.OffsetDateTime;

/**
 * A pending refund leased to the attempt that carries it on until {@code until}, with the charge
 * it refunds (its payment's, what a processor refund names). Leases work as a payment's.
 */
public record LeasedRefund(Refund refund, String chargeId, OffsetDateTime until) {
}
