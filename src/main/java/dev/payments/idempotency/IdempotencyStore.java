package dev.payments.idempotency;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of the idempotency_keys table. Every method runs inside the caller's transaction.
 *
 * <p>Why {@code INSERT ... ON CONFLICT DO NOTHING}: inserting the key is how a request claims it.
 * A plain INSERT would raise a unique violation on a duplicate, which aborts the whole
 * PostgreSQL transaction (nothing more can run in it without a savepoint). A SELECT first would
 * race: two requests could both see no row. ON CONFLICT DO NOTHING does what is needed in one
 * statement: if another transaction holds an uncommitted row with the same key it waits on the
 * unique index until that transaction ends, then inserts (the other rolled back) or reports zero
 * rows (the other committed), and in neither case is our transaction aborted. The wait is bounded
 * by PostgreSQL's lock_timeout, set on every connection by {@link LockTimeout}.
 */
@ApplicationScoped
public class IdempotencyStore {

    private final EntityManager entityManager;

    IdempotencyStore(EntityManager entityManager) {
        this.entityManager = entityManager;
    }

    /**
     * Claims the key for this transaction, or returns what is stored for it, in one round trip.
     * The result is {@link Claim#claimed()}, or a {@link Claim#stored()} answer, or neither: the
     * key was committed by a concurrent request while this one waited on it, after this
     * statement's snapshot was taken, so only a new statement ({@link #find}) can read it.
     */
    public Claim claim(String merchantId, IdempotencyKey key, String requestFingerprint, Duration retention) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager.createNativeQuery("""
                        WITH claimed AS (
                            INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint)
                            VALUES (?1, ?2, ?3)
                            ON CONFLICT DO NOTHING
                            RETURNING true)
                        SELECT true, NULL, NULL, NULL, NULL, false FROM claimed
                        UNION ALL
                        SELECT false, request_fingerprint, payment_id::text, response_status, response_body,
                               created_at < now() - make_interval(secs => ?4)
                        FROM idempotency_keys
                        WHERE merchant_id = ?1 AND idempotency_key = ?2 AND NOT EXISTS (SELECT 1 FROM claimed)""")
                .setParameter(1, merchantId)
                .setParameter(2, key.value())
                .setParameter(3, requestFingerprint)
                .setParameter(4, (double) retention.toSeconds())
                .getResultList();
        if (rows.isEmpty()) {
            return new Claim(false, null);
        }
        Object[] row = rows.get(0);
        return Boolean.TRUE.equals(row[0]) ? new Claim(true, null) : new Claim(false, stored(row, 1));
    }

    /** The outcome of {@link #claim}: claimed, or the stored answer, or neither (see there). */
    public record Claim(boolean claimed, StoredResponse stored) {
    }

    /** The committed answer of a key, and whether the key is older than the retention period. */
    public Optional<StoredResponse> find(String merchantId, IdempotencyKey key, Duration retention) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = entityManager.createNativeQuery("""
                        SELECT request_fingerprint, payment_id::text, response_status, response_body,
                               created_at < now() - make_interval(secs => ?3)
                        FROM idempotency_keys
                        WHERE merchant_id = ?1 AND idempotency_key = ?2""")
                .setParameter(1, merchantId)
                .setParameter(2, key.value())
                .setParameter(3, (double) retention.toSeconds())
                .getResultList();
        return rows.stream().findFirst().map(row -> stored(row, 0));
    }

    private static StoredResponse stored(Object[] row, int from) {
        return new StoredResponse(
                (String) row[from],
                row[from + 1] == null ? null : UUID.fromString((String) row[from + 1]),
                row[from + 2] == null ? 0 : ((Number) row[from + 2]).intValue(),
                (String) row[from + 3],
                Boolean.TRUE.equals(row[from + 4]));
    }

    /** Forgets an expired key so that it can be claimed again; false if it is gone or not expired. */
    public boolean forgetExpired(String merchantId, IdempotencyKey key, Duration retention) {
        return entityManager.createNativeQuery("""
                        DELETE FROM idempotency_keys
                        WHERE merchant_id = ?1 AND idempotency_key = ?2
                          AND created_at < now() - make_interval(secs => ?3)""")
                .setParameter(1, merchantId)
                .setParameter(2, key.value())
                .setParameter(3, (double) retention.toSeconds())
                .executeUpdate() == 1;
    }

    /**
     * Deletes up to {@code batchSize} expired keys, oldest first. SKIP LOCKED passes over keys that
     * a request is working on right now instead of waiting for it.
     */
    public int deleteExpired(Duration retention, int batchSize) {
        return entityManager.createNativeQuery("""
                        DELETE FROM idempotency_keys k
                        USING (SELECT merchant_id, idempotency_key FROM idempotency_keys
                               WHERE created_at < now() - make_interval(secs => ?1)
                               ORDER BY created_at
                               LIMIT ?2
                               FOR UPDATE SKIP LOCKED) expired
                        WHERE k.merchant_id = expired.merchant_id AND k.idempotency_key = expired.idempotency_key""")
                .setParameter(1, (double) retention.toSeconds())
                .setParameter(2, batchSize)
                .executeUpdate();
    }
}
