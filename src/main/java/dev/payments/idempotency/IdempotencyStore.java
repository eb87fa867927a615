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
 * rows (the other committed), and in neither case is our transaction aborted.
 */
@ApplicationScoped
public class IdempotencyStore {

    private final EntityManager entityManager;

    IdempotencyStore(EntityManager entityManager) {
        this.entityManager = entityManager;
    }

    /**
     * Bounds how long this transaction waits for a lock, the concurrent holder of the same key
     * included. Past it PostgreSQL raises lock_not_available (55P03) and the request gets 409.
     */
    public void limitLockWait(Duration timeout) {
        entityManager.createNativeQuery("SELECT set_config('lock_timeout', ?1, true)")
                .setParameter(1, timeout.toMillis() + "ms")
                .getSingleResult();
    }

    /** Claims the key for this transaction; false if a committed request already holds it. */
    public boolean claim(String merchantId, IdempotencyKey key, String requestFingerprint) {
        return entityManager.createNativeQuery("""
                        INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint)
                        VALUES (?1, ?2, ?3)
                        ON CONFLICT DO NOTHING""")
                .setParameter(1, merchantId)
                .setParameter(2, key.value())
                .setParameter(3, requestFingerprint)
                .executeUpdate() == 1;
    }

    /** Stores the answer for a key this transaction claimed. */
    public void complete(String merchantId, IdempotencyKey key, UUID paymentId, int status, String body) {
        entityManager.createNativeQuery("""
                        UPDATE idempotency_keys SET payment_id = ?3, response_status = ?4, response_body = ?5
                        WHERE merchant_id = ?1 AND idempotency_key = ?2""")
                .setParameter(1, merchantId)
                .setParameter(2, key.value())
                .setParameter(3, paymentId)
                .setParameter(4, status)
                .setParameter(5, body)
                .executeUpdate();
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
        return rows.stream().findFirst().map(row -> new StoredResponse(
                (String) row[0],
                row[1] == null ? null : UUID.fromString((String) row[1]),
                row[2] == null ? 0 : ((Number) row[2]).intValue(),
                (String) row[3],
                Boolean.TRUE.equals(row[4])));
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
