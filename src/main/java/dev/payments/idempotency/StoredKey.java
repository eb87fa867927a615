package dev.payments.idempotency;

import java.util.Optional;
import java.util.UUID;

/**
 * A committed idempotency key: the fingerprint (and the scheme that computed it) of the request
 * that took it, the payment it concerns, what its operation made or changes ({@code resourceId}:
 * the payment for a create, capture or cancel, the refund for a refund), its answer once there is
 * one, and whether it is older than the retention period. A key without an answer belongs to an
 * operation still under way: its first phase committed, its last has not.
 */
public record StoredKey(String requestFingerprint, int fingerprintScheme, UUID paymentId, UUID resourceId,
        Optional<Answer> answer, boolean expired) {

    /** The answer sent for the key, replayed as it was first sent: status, body and Location (or null). */
    public record Answer(int status, String body, String location) {
    }
}
