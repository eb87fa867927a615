package dev.payments.idempotency;

import java.util.UUID;

/**
 * The answer stored with an idempotency key, replayed as it was first sent, with the fingerprint
 * (and the scheme that computed it) of the request that made it.
 */
public record StoredResponse(String requestFingerprint, int fingerprintScheme, UUID paymentId, int status, String body,
        boolean expired) {
}
