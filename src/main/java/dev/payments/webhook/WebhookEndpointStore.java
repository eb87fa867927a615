package dev.payments.webhook;

import dev.payments.database.Database;
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

    private static final String COLUMNS = "id, url, enabled_events, description, status, created_at, secret";

    /**
     * Serializes the registrations of one merchant (a transaction-scoped advisory lock), so that two
     * concurrent ones cannot both pass the count below the limit.
     */
    private static final String LOCK_MERCHANT = "SELECT pg_advisory_xact_lock(hashtext('webhook_endpoints'), hashtext(?))";

    private static final String COUNT = "SELECT count(*) FROM webhook_endpoints WHERE merchant_id = ?";

    private static final String INSERT = """
            INSERT INTO webhook_endpoints (id, merchant_id, url, enabled_events, description, secret)
            VALUES (?, ?, ?, ?, ?, ?)
            RETURNING\s""" + COLUMNS;

    private static final String FIND = "SELECT " + COLUMNS + " FROM webhook_endpoints WHERE id = ? AND merchant_id = ?";

    private static final String PAGE = "SELECT " + COLUMNS + """

            FROM webhook_endpoints
            WHERE merchant_id = ?
              AND (CAST(? AS uuid) IS NULL
                   OR (created_at, id) < (SELECT created_at, id FROM webhook_endpoints WHERE id = ? AND merchant_id = ?))
            ORDER BY created_at DESC, id DESC
            LIMIT ?""";

    /**
     * A new secret; the current one becomes the previous and keeps signing for the overlap (a
     * rotation within the overlap of the last drops the oldest: two secrets at most).
     */
    private static final String ROTATE = """
            UPDATE webhook_endpoints
            SET previous_secret = secret, previous_secret_expires_at = now() + make_interval(secs => ?), secret = ?
            WHERE id = ? AND merchant_id = ?
            RETURNING\s""" + COLUMNS;

    /** Its deliveries go with it (ON DELETE CASCADE): nothing more is sent to it. */
    private static final String DELETE = "DELETE FROM webhook_endpoints WHERE id = ? AND merchant_id = ?";

    private final Database database;

    WebhookEndpointStore(Database database) {
        this.database = database;
    }

    /** The merchant's endpoints, counted under a lock that holds until the transaction ends. */
    long lockAndCount(String merchantId) throws SQLException {
        database.one(LOCK_MERCHANT, row -> true, merchantId);
        return database.one(COUNT, row -> row.getLong(1), merchantId).orElse(0L);
    }

    WebhookEndpoint insert(UUID id, String merchantId, CreateWebhookEndpointRequest request, String secret)
            throws SQLException {
        return database.one(INSERT, WebhookEndpointStore::endpoint, id, merchantId, request.url(),
                request.enabledEvents().toArray(String[]::new), request.description(), secret).orElseThrow();
    }

    Optional<WebhookEndpoint> find(String merchantId, UUID id) throws SQLException {
        return database.one(FIND, WebhookEndpointStore::endpoint, id, merchantId);
    }

    List<WebhookEndpoint> page(String merchantId, UUID startingAfter, int limit) throws SQLException {
        return database.list(PAGE, WebhookEndpointStore::endpoint, merchantId, startingAfter, startingAfter, merchantId,
                limit);
    }

    Optional<WebhookEndpoint> rotate(String merchantId, UUID id, String secret, Duration overlap) throws SQLException {
        return database.one(ROTATE, WebhookEndpointStore::endpoint, Database.seconds(overlap), secret, id, merchantId);
    }

    boolean delete(String merchantId, UUID id) throws SQLException {
        return database.update(DELETE, id, merchantId) == 1;
    }

    private static WebhookEndpoint endpoint(ResultSet row) throws SQLException {
        return new WebhookEndpoint(row.getObject(1, UUID.class), row.getString(2), strings(row.getArray(3)),
                row.getString(4), row.getString(5), row.getObject(6, OffsetDateTime.class).toInstant(), row.getString(7));
    }

    static List<String> strings(Array array) throws SQLException {
        return Arrays.asList((String[]) array.getArray());
    }
}
