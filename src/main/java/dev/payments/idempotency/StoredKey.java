package dev.payments.idempotency;

import java.sql.ResultSet;
import java.sql.SQLException;
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
        Optional<StoredAnswer> answer, boolean expired) {

    /**
     * The key as a statement returns it, by these column names: request_fingerprint,
     * fingerprint_scheme, payment_id, resource_id, response_status, response_body,
     * response_location, expired.
     */
    public static StoredKey read(ResultSet row) throws SQLException {
        String body = row.getString("response_body");
        Optional<StoredAnswer> answer = body == null
                ? Optional.empty()
                : Optional.of(new StoredAnswer(row.getInt("response_status"), body, row.getString("response_location")));
        return new StoredKey(
                row.getString("request_fingerprint"),
                row.getInt("fingerprint_scheme"),
                row.getObject("payment_id", UUID.class),
                row.getObject("resource_id", UUID.class),
                answer,
                row.getBoolean("expired"));
    }
}
