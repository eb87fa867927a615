package dev.payments.idempotency;

import java.util.UUID;

/** The answer stored with an idempotency key, replayed as it was first sent. */
public record StoredResponse(String requestFingerprint, UUID paymentId, int status, String body, boolean expired) {
}
