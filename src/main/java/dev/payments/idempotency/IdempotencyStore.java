package dev.payments.idempotency;

import dev.payments.database.Database;
import dev.payments.database.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The statements of the idempotency_keys table that every operation shares. A create claims its
 * key in its own statement (PaymentStore), and each operation's phase 3 stores its answer in its
 * own; these are the rest. Each runs inside the caller's transaction if there is one, else commits
 * by itself.
 *
 * <p>Why {@code INSERT ... ON CONFLICT DO NOTHING}: inserting the key is how a request claims it.
 * A plain INSERT would raise a unique violation on a duplicate, which aborts the whole transaction
 * (nothing more can run in it without a savepoint). A SELECT first would race: two requests could
 * both see no row. ON CONFLICT DO NOTHING waits on the unique index while another transaction holds
 * an uncommitted row with the same key, then inserts (the other rolled back) or inserts nothing
 * (the other committed), and aborts nothing. The wait is bounded by lock_timeout.
 *
 * <p>Plain JDBC, not Hibernate native queries: the statements are hand-written, and a Hibernate
 * session per statement cost the create path measurably (docs/performance.md).
 */
@ApplicationScoped
public class IdempotencyStore {

    /**
     * The key as it is stored. A row written by the release before the lifecycle (a create, during
     * a rolling deploy) has no resource_id and no Location: its resource is its payment, and a
     * 201's Location is the payment's.
     */
    private static final Sql FIND = Sql.of("""
            SELECT request_fingerprint, fingerprint_scheme, payment_id,
                   coalesce(resource_id, payment_id) AS resource_id,
                   response_status, response_body,
                   coalesce(response_location,
                            CASE WHEN response_status = 201 THEN '/payments/' || payment_id END) AS response_location,
                   created_at < now() - make_interval(secs => :retention_seconds) AS expired
            FROM idempotency_keys
            WHERE merchant_id = :merchant_id AND idempotency_key = :idempotency_key""");

    /** The claim of an operation whose phase 1 goes on in the same transaction (it locks a payment first). */
    private static final Sql CLAIM = Sql.of("""
            INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, fingerprint_scheme,
                                          payment_id, resource_id)
            VALUES (:merchant_id, :idempotency_key, :request_fingerprint, :fingerprint_scheme, :payment_id, :resource_id)
            ON CONFLICT DO NOTHING""");

    /** An answer phase 1 gave (a refusal, or an operation done in phase 1), in the claiming transaction. */
    private static final Sql ANSWER = Sql.of("""
            UPDATE idempotency_keys
            SET response_status = :response_status, response_body = :response_body,
                response_location = :response_location
            WHERE merchant_id = :merchant_id AND idempotency_key = :idempotency_key AND response_status IS NULL""");

    /** An expired key, forgotten so that its request can claim it anew. */
    private static final Sql FORGET_EXPIRED = Sql.of("""
            DELETE FROM idempotency_keys
            WHERE merchant_id = :merchant_id AND idempotency_key = :idempotency_key
              AND created_at < now() - make_interval(secs => :retention_seconds)""");

    /**
     * A batch of the expiry job, oldest first. SKIP LOCKED passes over keys that a request is
     * working on right now instead of waiting for it.
     */
    private static final Sql DELETE_EXPIRED = Sql.of("""
            DELETE FROM idempotency_keys k
            USING (SELECT merchant_id, idempotency_key FROM idempotency_keys
                   WHERE created_at < now() - make_interval(secs => :retention_seconds)
                   ORDER BY created_at
                   LIMIT :batch_size
                   FOR UPDATE SKIP LOCKED) expired
            WHERE k.merchant_id = expired.merchant_id AND k.idempotency_key = expired.idempotency_key""");

    /**
     * Stored answers whose body holds {@code needle} but not {@code current}, after a cursor, locked:
     * for a job that rewrites part of them (webhook/ResealSecrets). A whole scan of the table: run rarely.
     */
    private static final Sql ANSWERS_TO_REWRITE = Sql.of("""
            SELECT merchant_id, idempotency_key, response_body
            FROM idempotency_keys
            WHERE (merchant_id, idempotency_key) > (:after_merchant_id, :after_key)
              AND strpos(response_body, :needle) > 0 AND strpos(response_body, :current) = 0
            ORDER BY merchant_id, idempotency_key
            LIMIT :batch_size
            FOR UPDATE SKIP LOCKED""");

    private static final Sql REWRITE_ANSWER = Sql.of("""
            UPDATE idempotency_keys SET response_body = :response_body
            WHERE merchant_id = :merchant_id AND idempotency_key = :idempotency_key""");

    private final Database database;

    IdempotencyStore(Database database) {
        this.database = database;
    }

    /** The committed key, and whether it is older than the retention period. */
    public Optional<StoredKey> find(String merchantId, IdempotencyKey key, Duration retention) throws SQLException {
        return database.one(FIND, Sql.with("merchant_id", merchantId)
                        .and("idempotency_key", key.value())
                        .and("retention_seconds", Database.seconds(retention)),
                StoredKey::read);
    }

    /**
     * Claims the key for {@code request}, about {@code paymentId} (null for none) and
     * {@code resourceId}; false if it was taken (a new statement reads by whom).
     */
    public boolean claim(KeyedRequest request, UUID paymentId, UUID resourceId) throws SQLException {
        return database.update(CLAIM, Sql.with("merchant_id", request.merchantId())
                .and("idempotency_key", request.key().value())
                .and("request_fingerprint", request.fingerprint())
                .and("fingerprint_scheme", RequestFingerprint.CURRENT_SCHEME)
                .and("payment_id", paymentId)
                .and("resource_id", resourceId)) == 1;
    }

    /** Stores the answer phase 1 gave, in the transaction that claimed the key. */
    public void answer(KeyedRequest request, StoredAnswer answer) throws SQLException {
        int answered = database.update(ANSWER, Sql.with("merchant_id", request.merchantId())
                .and("idempotency_key", request.key().value())
                .and("response_status", answer.status())
                .and("response_body", answer.body())
                .and("response_location", answer.location()));
        if (answered != 1) {
            throw new IllegalStateException("idempotency key " + request.key() + " is not claimed by this transaction");
        }
    }

    /** Forgets an expired key so that it can be claimed again; false if it is gone or not expired. */
    public boolean forgetExpired(String merchantId, IdempotencyKey key, Duration retention) throws SQLException {
        return database.update(FORGET_EXPIRED, Sql.with("merchant_id", merchantId)
                .and("idempotency_key", key.value())
                .and("retention_seconds", Database.seconds(retention))) == 1;
    }

    /** Deletes up to {@code batchSize} expired keys; the number deleted. */
    public int deleteExpired(Duration retention, int batchSize) throws SQLException {
        return database.update(DELETE_EXPIRED, Sql.with("retention_seconds", Database.seconds(retention))
                .and("batch_size", batchSize));
    }

    /** A stored answer's body, and whose key it is. */
    public record StoredBody(String merchantId, String key, String body) {
    }

    /** See {@link #ANSWERS_TO_REWRITE}; start after ("", "") and go on after the last one returned. */
    public List<StoredBody> answersToRewrite(String needle, String current, String afterMerchantId, String afterKey,
            int batchSize) throws SQLException {
        return database.list(ANSWERS_TO_REWRITE, Sql.with("after_merchant_id", afterMerchantId).and("after_key", afterKey)
                .and("needle", needle).and("current", current).and("batch_size", batchSize),
                row -> new StoredBody(row.getString("merchant_id"), row.getString("idempotency_key"),
                        row.getString("response_body")));
    }

    public void rewriteAnswer(StoredBody answer) throws SQLException {
        database.update(REWRITE_ANSWER, Sql.with("response_body", answer.body()).and("merchant_id", answer.merchantId())
                .and("idempotency_key", answer.key()));
    }
}
