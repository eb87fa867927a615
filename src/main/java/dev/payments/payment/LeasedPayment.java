package dev.payments.payment;

import java.time.OffsetDateTime;

/**
 * A payment whose create, capture or cancel is under way, leased to the attempt that carries it on
 * until {@code until}: only the lease's holder calls the processor, and a lease is taken by a
 * conditional UPDATE, so with many instances one attempt at a time holds it.
 */
public record LeasedPayment(Payment payment, OffsetDateTime until) {
}
