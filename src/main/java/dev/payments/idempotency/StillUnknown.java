package dev.payments.idempotency;

import java.util.UUID;

/**
 * Phase 2 ended without the processor's outcome (a timeout, a reset, a 5xx, an open circuit): the
 * operation stays under way, its lease given back, and a retry with the key or the recovery job
 * finishes it. Both what an attempt came to and what its request is told.
 *
 * @param operation create, capture, cancel or refund
 * @param paymentId the payment concerned
 * @param resourceId what the operation makes or changes: the payment, or the refund
 */
public record StillUnknown(String operation, UUID paymentId, UUID resourceId) implements Finish, Outcome {
}
