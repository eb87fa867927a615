package dev.payments.payment;

import java.util.UUID;

/**
 * The answer to POST /payments: the status and body first sent for the key, and whether this is a
 * replay of it.
 */
public record CreateResult(int status, String body, UUID paymentId, boolean replayed) {
}
