package dev.payments.idempotency;

/**
 * The answer stored on a key, replayed to every repeat of its request as it was first sent:
 * status, body and Location (or null). Stored, not rendered again on replay, so that a repeat gets
 * the same bytes even after the resource has changed (a payment since refunded, say).
 */
public record StoredAnswer(int status, String body, String location) {
}
