package dev.payments.webhook;

import dev.payments.database.Database;
import dev.payments.database.Sql;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The SQL of the webhook_endpoints table; each method one statement, in the caller's transaction if any. */
@ApplicationScoped
public class WebhookEndpointStore {

    /**
     * Serializes the registrations of one merchant (a transaction-scoped advisory lock), so that two
     * concurrent ones cannot both pass the count below the limit. The count is a statement of its
     * own, after it: a statement sees the rows committed before it started, and this one started
     * before another registration released the lock.
     */
    private static final Sql LOCK_MERCHANT = Sql.of("""
            SELECT pg_advisory_xact_lock(hashtext('webhook_endpoints'), hashtext(:merchant_id))""");

    private static final Sql COUNT = Sql.of("""
            SELECT count(*) AS endpoints FROM webhook_endpoints WHERE merchant_id = :merchant_id""");

    private static final Sql INSERT = Sql.of("""
            INSERT INTO webhook_endpoints (id, merchant_id, url, enabled_events, description, secret)
            VALUES (:endpoint_id, :merchant_id, :url, :enabled_events, :description, :secret)
            RETURNING id, url, enabled_events, description, status, created_at, secret""");

    private static final Sql FIND = Sql.of("""
            SELECT id, url, enabled_events, description, status, created_at, secret
            FROM webhook_endpoints
            WHERE id = :endpoint_id AND merchant_id = :merchant_id""");

    /** Newest first, after the cursor (the last endpoint of the previous page) if there is one: a merchant has 16 at most. */
    private static final Sql PAGE = Sql.of("""
            SELECT id, url, enabled_events, description, status, created_at, secret
            FROM webhook_endpoints
            WHERE merchant_id = :merchant_id
              AND (CAST(:cursor AS uuid) IS NULL
                   OR (created_at, id) < (SELECT created_at, id FROM webhook_endpoints
                                          WHERE id = :cursor AND merchant_id = :merchant_id))
            ORDER BY created_at DESC, id DESC
            LIMIT :page_size""");

    /**
     * A new secret; the current one becomes the previous and keeps signing for the overlap (a
     * rotation within the overlap of the last drops the oldest: two secrets at most).
     */
    private static final Sql ROTATE = Sql.of("""
            UPDATE webhook_endpoints
            SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(secs => :overlap_seconds),
                secret = :secret
            WHERE id = :endpoint_id AND merchant_id = :merchant_id
            RETURNING id, url, enabled_events, description, status, created_at, secret""");

    /** Its deliveries go with it (ON DELETE CASCADE): nothing more is sent to it. */
    private static final Sql DELETE = Sql.of("""
            DELETE FROM webhook_endpoints WHERE id = :endpoint_id AND merchant_id = :merchant_id""");

    /**
     * Endpoints with a secret not sealed under the current key (from before V9, or under a key
     * rotated away), after a cursor, locked so that a rotation cannot interleave.
     */
    private static final Sql TO_RESEAL = Sql.of("""
            SELECT id, secret, previous_secret
            FROM webhook_endpoints
            WHERE id > :after
              AND (NOT starts_with(secret, :current_prefix)
                   OR NOT starts_with(coalesce(previous_secret, :current_prefix), :current_prefix))
            ORDER BY id
            LIMIT :batch_size
            FOR UPDATE SKIP LOCKED""");

    private static final Sql RESEAL = Sql.of("""
            UPDATE webhook_endpoints SET secret = :secret, previous_secret = :previous_secret
            WHERE id = :endpoint_id""");

    private final Database database;

    WebhookEndpointStore(Database database) {
        this.database = database;
    }

    /** The merchant's endpoints, counted under a lock that holds until the transaction ends. */
    long lockAndCount(String merchantId) throws SQLException {
        database.one(LOCK_MERCHANT, Sql.with("merchant_id", merchantId), row -> true);
        return database.one(COUNT, Sql.with("merchant_id", merchantId), row -> row.getLong("endpoints")).orElseThrow();
    }

    WebhookEndpoint insert(UUID id, String merchantId, CreateWebhookEndpointRequest request, String secret)
            throws SQLException {
        return database.one(INSERT, Sql.with("endpoint_id", id)
                .and("merchant_id", merchantId)
                .and("url", request.url())
                .and("enabled_events", request.enabledEvents().toArray(String[]::new))
                .and("description", request.description())
                .and("secret", secret), WebhookEndpointStore::endpoint).orElseThrow();
    }

    Optional<WebhookEndpoint> find(String merchantId, UUID id) throws SQLException {
        return database.one(FIND, Sql.with("endpoint_id", id).and("merchant_id", merchantId), WebhookEndpointStore::endpoint);
    }

    List<WebhookEndpoint> page(String merchantId, UUID startingAfter, int limit) throws SQLException {
        return database.list(PAGE, Sql.with("merchant_id", merchantId).and("cursor", startingAfter).and("page_size", limit),
                WebhookEndpointStore::endpoint);
    }

    Optional<WebhookEndpoint> rotate(String merchantId, UUID id, String secret, Duration overlap) throws SQLException {
        return database.one(ROTATE, Sql.with("overlap_seconds", Database.seconds(overlap))
                .and("secret", secret)
                .and("endpoint_id", id)
                .and("merchant_id", merchantId), WebhookEndpointStore::endpoint);
    }

    /** An endpoint's secrets as stored (sealed, or in clear from before V9). */
    record StoredSecrets(UUID id, String secret, String previousSecret) {
    }

    List<StoredSecrets> toReseal(String currentPrefix, UUID after, int batchSize) throws SQLException {
        return database.list(TO_RESEAL, Sql.with("current_prefix", currentPrefix).and("after", after)
                .and("batch_size", batchSize), row -> new StoredSecrets(row.getObject("id", UUID.class),
                        row.getString("secret"), row.getString("previous_secret")));
    }

    void reseal(StoredSecrets secrets) throws SQLException {
        database.update(RESEAL, Sql.with("secret", secrets.secret()).and("previous_secret", secrets.previousSecret())
                .and("endpoint_id", secrets.id()));
    }

    boolean delete(String merchantId, UUID id) throws SQLException {
        return database.update(DELETE, Sql.with("endpoint_id", id).and("merchant_id", merchantId)) == 1;
    }

    private static WebhookEndpoint endpoint(ResultSet row) throws SQLException {
        return new WebhookEndpoint(row.getObject("id", UUID.class), row.getString("url"),
                strings(row.getArray("enabled_events")), row.getString("description"), row.getString("status"),
                row.getObject("created_at", OffsetDateTime.class).toInstant(), row.getString("secret"));
    }

    static List<String> strings(Array array) throws SQLException {
        return Arrays.asList((String[]) array.getArray());
    }
}
