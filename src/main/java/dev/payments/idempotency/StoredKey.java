package dev.payments.idempotency;

import java.util.Optional;
import java.util.UUID;

/**
 * A committed idempotency key: the fingerprint (and the scheme that computed it) of the request
 * that took it, what it made ({@code paymentId}), its answer once there is one, and whether it is
 * older than the retention period. A key without an answer belongs to an operation still under
 * way: its first phase committed, its last has not.
 */
public record StoredKey(String requestFingerprint, int fingerprintScheme, UUID paymentId, Optional<Answer> answer,
        boolean expired) {

    /** The answer sent for the key, replayed as it was first sent. */
    public record Answer(int status, String body) {
    }
}
