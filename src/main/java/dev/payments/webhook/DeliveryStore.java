package dev.payments.webhook;

import dev.payments.database.Database;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * The SQL of webhook_deliveries. A delivery is scheduled by the events table's trigger in the
 * statement that writes its event; the worker claims due ones ({@link #claim}), sends each outside
 * any transaction, and records the outcome with {@link #delivered} (many successes at once) or {@link #failed}, which only
 * the attempt that claimed it can do.
 */
@ApplicationScoped
public class DeliveryStore {

    private static final String COLUMNS = """
            d.id, d.event_id, ev.type, d.endpoint_id, d.status, d.attempts, d.last_attempt_at, d.last_status_code,
            d.last_duration_ms, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at""";

    /**
     * Claims due deliveries: per enabled endpoint, the oldest due, as many as its limit of attempts
     * under way leaves room for, and at most {@code batch} in all; each is leased (due again at the
     * lease's end, when an instance that died sending it is taken over) to a new attempt id. SKIP
     * LOCKED on the deliveries passes over those another instance is claiming; on the endpoint it
     * makes one instance at a time claim for it, so the count of attempts under way is exact and
     * the limit holds across instances. One round trip: the claimed rows come with what sending
     * needs (the URL, the secrets in use, the event).
     */
    private static final String CLAIM = """
            WITH claimable AS (
                SELECT c.id
                FROM webhook_endpoints e
                CROSS JOIN LATERAL (
                    SELECT d.id FROM webhook_deliveries d
                    WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= now()
                    ORDER BY d.next_attempt_at
                    LIMIT greatest(0, ? - (SELECT count(*) FROM webhook_deliveries f
                                           WHERE f.endpoint_id = e.id AND f.attempt_id IS NOT NULL
                                             AND f.next_attempt_at > now()))
                    FOR UPDATE SKIP LOCKED) c
                WHERE e.status = 'enabled'
                LIMIT ?
                FOR NO KEY UPDATE OF e SKIP LOCKED),
            claimed AS (
                UPDATE webhook_deliveries d
                SET attempt_id = gen_random_uuid(), attempts = d.attempts + 1, last_attempt_at = now(),
                    next_attempt_at = now() + make_interval(secs => ?), send_again = false
                FROM claimable c
                WHERE d.id = c.id
                RETURNING d.id, d.attempt_id, d.attempts, d.endpoint_id, d.event_id)
            SELECT c.id, c.attempt_id, c.attempts, e.id, e.url, e.secret,
                   CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END,
                   ev.id, ev.type, ev.created_at, ev.data::text
            FROM claimed c
            JOIN webhook_endpoints e ON e.id = c.endpoint_id
            JOIN events ev ON ev.id = c.event_id""";

    /**
     * The attempt's failure: due again after {@code delay} (at once if a redelivery came while it
     * ran), or failed for good if that would be past the retry window; the endpoint is failing
     * since its first failure after a success (written only then: a dead endpoint's failures do
     * not rewrite its row each time). Returns the delivery's status, and whether the endpoint has
     * been failing past the limit.
     */
    private static final String FAILED = """
            WITH retry AS (
                SELECT id, send_again,
                       NOT send_again AND scheduled_at + make_interval(secs => ?) < now() + make_interval(secs => ?) AS give_up
                FROM webhook_deliveries WHERE id = ? AND attempt_id = ?),
            failed AS (
                UPDATE webhook_deliveries d
                SET attempt_id = NULL, send_again = false,
                    last_status_code = ?, last_duration_ms = ?, last_error = ?,
                    status = CASE WHEN r.give_up THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = CASE WHEN r.give_up THEN NULL WHEN r.send_again THEN now()
                                           ELSE now() + make_interval(secs => ?) END
                FROM retry r
                WHERE d.id = r.id AND d.attempt_id = ?
                RETURNING d.endpoint_id, d.status),
            failing AS (
                UPDATE webhook_endpoints e SET failing_since = now()
                FROM failed f WHERE e.id = f.endpoint_id AND e.failing_since IS NULL
                RETURNING 1)
            SELECT f.status, coalesce((SELECT e.failing_since < now() - make_interval(secs => ?)
                                       FROM webhook_endpoints e WHERE e.id = f.endpoint_id), false)
            FROM failed f""";

    /** Disables an endpoint failing past the limit; its pending deliveries fail with it. */
    private static final String DISABLE = """
            WITH disabled AS (
                UPDATE webhook_endpoints SET status = 'disabled', disabled_at = now()
                WHERE id = ? AND status = 'enabled' AND failing_since < now() - make_interval(secs => ?)
                RETURNING id),
            dropped AS (
                UPDATE webhook_deliveries d
                SET status = 'failed', next_attempt_at = NULL, attempt_id = NULL, send_again = false,
                    last_error = coalesce(d.last_error, 'endpoint disabled')
                FROM disabled WHERE d.endpoint_id = disabled.id AND d.status = 'pending'
                RETURNING 1)
            SELECT count(*) FROM disabled""";

    /**
     * Schedules the event again for every enabled endpoint of its merchant subscribed to its type,
     * with a new retry window, whatever became of the earlier delivery. An attempt under way (its
     * lease not over) is left to finish, since a second one at once would be a concurrent double
     * delivery, and marked: it began before this request, so when its outcome is recorded the
     * delivery is due again at once. An attempt whose lease is over is taken over, so that a late
     * success of it cannot record the delivery as done.
     */
    private static final String REDELIVER = """
            INSERT INTO webhook_deliveries (id, merchant_id, endpoint_id, event_id, next_attempt_at)
            SELECT gen_random_uuid(), ev.merchant_id, e.id, ev.id, now()
            FROM events ev
            JOIN webhook_endpoints e ON e.merchant_id = ev.merchant_id
            WHERE ev.id = ? AND ev.merchant_id = ? AND e.status = 'enabled' AND e.enabled_events && ARRAY['*', ev.type]
            ON CONFLICT ON CONSTRAINT webhook_deliveries_once_per_endpoint DO UPDATE
            SET status = 'pending', scheduled_at = now(), delivered_at = NULL,
                send_again = webhook_deliveries.attempt_id IS NOT NULL AND webhook_deliveries.next_attempt_at > now(),
                next_attempt_at = CASE WHEN webhook_deliveries.attempt_id IS NOT NULL
                                            AND webhook_deliveries.next_attempt_at > now()
                                       THEN webhook_deliveries.next_attempt_at ELSE now() END,
                attempt_id = CASE WHEN webhook_deliveries.next_attempt_at > now() THEN webhook_deliveries.attempt_id END""";

    private static final String OF_EVENT = "SELECT " + COLUMNS + """

            FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
            JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.event_id = ? AND d.merchant_id = ? AND e.status = 'enabled' AND e.enabled_events && ARRAY['*', ev.type]
            ORDER BY d.created_at, d.id""";

    private static final String FIRST_PAGE = "SELECT " + COLUMNS + """

            FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
            WHERE d.endpoint_id = ?
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT ?""";

    /** After a cursor; a statement of its own for the reason EventStore's PAGE_AFTER gives. */
    private static final String PAGE_AFTER = "SELECT " + COLUMNS + """

            FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
            WHERE d.endpoint_id = ?
              AND (d.created_at, d.id) < (SELECT created_at, id FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?)
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT ?""";

    /** The merchants that have an endpoint to deliver to. */
    private static final String MERCHANTS = "SELECT DISTINCT merchant_id FROM webhook_endpoints WHERE status = 'enabled'";

    /**
     * Several attempts' successes in one statement (the common outcome, so the worker's cost per
     * delivery is a fraction of a statement); each only if its attempt still holds the delivery, and
     * due again at once instead if a redelivery came while it ran. Returns the deliveries recorded.
     */
    private static final String DELIVERED_ALL = """
            WITH done AS (
                UPDATE webhook_deliveries d
                SET status = CASE WHEN d.send_again THEN 'pending' ELSE 'delivered' END,
                    delivered_at = CASE WHEN d.send_again THEN NULL ELSE now() END,
                    next_attempt_at = CASE WHEN d.send_again THEN now() END,
                    attempt_id = NULL, send_again = false,
                    last_status_code = o.status_code, last_duration_ms = o.duration_ms, last_error = NULL
                FROM unnest(CAST(? AS uuid[]), CAST(? AS uuid[]), CAST(? AS smallint[]), CAST(? AS integer[]))
                     AS o (id, attempt_id, status_code, duration_ms)
                WHERE d.id = o.id AND d.attempt_id = o.attempt_id
                RETURNING d.id, d.endpoint_id),
            healed AS (
                UPDATE webhook_endpoints e SET failing_since = NULL
                WHERE e.id IN (SELECT endpoint_id FROM done) AND e.failing_since IS NOT NULL
                RETURNING 1)
            SELECT id FROM done""";

    private static final String EXISTS = "SELECT 1 FROM webhook_deliveries WHERE id = ? AND endpoint_id = ?";

    /** The oldest due delivery's lateness in seconds (0 if none is due), and how many are due (counted to 10,000). */
    private static final String BACKLOG = """
            SELECT coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0),
                   (SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries
                                          WHERE status = 'pending' AND next_attempt_at <= now() LIMIT 10000) due)
            FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()""";

    private final Database database;

    DeliveryStore(Database database) {
        this.database = database;
    }

    /** A claimed delivery: its attempt, where it goes, the secrets that sign it, and its event. */
    record Claimed(UUID id, UUID attemptId, int attempt, UUID endpointId, String url, List<String> secrets,
            UUID eventId, String eventType, Instant eventCreatedAt, String eventData) {
    }

    List<Claimed> claim(int perEndpoint, int batch, Duration lease) throws SQLException {
        return database.list(CLAIM, row -> {
            String previous = row.getString(7);
            List<String> secrets = previous == null ? List.of(row.getString(6)) : List.of(row.getString(6), previous);
            return new Claimed(row.getObject(1, UUID.class), row.getObject(2, UUID.class), row.getInt(3),
                    row.getObject(4, UUID.class), row.getString(5), secrets, row.getObject(8, UUID.class),
                    row.getString(9), row.getObject(10, OffsetDateTime.class).toInstant(), row.getString(11));
        }, perEndpoint, batch, Database.seconds(lease));
    }

    /** A successful attempt to record: its delivery, the status and how long it took. */
    record Success(Claimed delivery, int statusCode, long durationMillis) {
    }

    /** Records the successes; returns the ids of the deliveries whose attempt still held them. */
    Set<UUID> delivered(List<Success> successes) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement statement = connection.prepareStatement(DELIVERED_ALL)) {
            statement.setArray(1, connection.createArrayOf("uuid",
                    successes.stream().map(s -> s.delivery().id()).toArray()));
            statement.setArray(2, connection.createArrayOf("uuid",
                    successes.stream().map(s -> s.delivery().attemptId()).toArray()));
            statement.setArray(3, connection.createArrayOf("smallint",
                    successes.stream().map(s -> (short) s.statusCode()).toArray()));
            statement.setArray(4, connection.createArrayOf("integer",
                    successes.stream().map(s -> (int) Math.min(Integer.MAX_VALUE, s.durationMillis())).toArray()));
            Set<UUID> recorded = new HashSet<>();
            try (ResultSet rows = statement.executeQuery()) {
                while (rows.next()) {
                    recorded.add(rows.getObject(1, UUID.class));
                }
            }
            return recorded;
        }
    }

    Set<String> merchantsWithEndpoints() throws SQLException {
        return new HashSet<>(database.list(MERCHANTS, row -> row.getString(1)));
    }

    /** What recording a failure came to: the delivery's status now, and whether its endpoint is overdue for disabling. */
    record Failure(String status, boolean endpointOverdue) {
    }

    /** Empty if the attempt no longer holds the delivery. */
    Optional<Failure> failed(Claimed claimed, Integer statusCode, long durationMillis, String error, Duration delay,
            Duration retryFor, Duration disableAfter) throws SQLException {
        return database.one(FAILED, row -> new Failure(row.getString(1), row.getBoolean(2)),
                Database.seconds(retryFor), Database.seconds(delay), claimed.id(), claimed.attemptId(),
                statusCode == null ? null : statusCode.shortValue(), (int) durationMillis,
                error.length() > 500 ? error.substring(0, 500) : error, Database.seconds(delay), claimed.attemptId(),
                Database.seconds(disableAfter));
    }

    boolean disable(UUID endpointId, Duration disableAfter) throws SQLException {
        return database.one(DISABLE, row -> row.getLong(1) == 1, endpointId, Database.seconds(disableAfter))
                .orElse(false);
    }

    /** Schedules the event again; returns its deliveries to the endpoints that take it. */
    List<DeliveryResponse> redeliver(String merchantId, UUID eventId) throws SQLException {
        database.update(REDELIVER, eventId, merchantId);
        return database.list(OF_EVENT, DeliveryStore::delivery, eventId, merchantId);
    }

    List<DeliveryResponse> page(UUID endpointId, UUID startingAfter, int limit) throws SQLException {
        if (startingAfter == null) {
            return database.list(FIRST_PAGE, DeliveryStore::delivery, endpointId, limit);
        }
        return database.list(PAGE_AFTER, DeliveryStore::delivery, endpointId, startingAfter, endpointId, limit);
    }

    boolean exists(UUID endpointId, UUID id) throws SQLException {
        return database.one(EXISTS, row -> true, id, endpointId).isPresent();
    }

    /** Seconds the oldest due delivery is late, and how many are due. */
    record Backlog(double ageSeconds, long due) {
    }

    Backlog backlog() throws SQLException {
        return database.one(BACKLOG, row -> new Backlog(row.getDouble(1), row.getLong(2))).orElseThrow();
    }

    private static DeliveryResponse delivery(ResultSet row) throws SQLException {
        return new DeliveryResponse(row.getObject(1, UUID.class), row.getObject(2, UUID.class), row.getString(3),
                row.getObject(4, UUID.class), row.getString(5), row.getInt(6), instant(row, 7),
                (Integer) row.getObject(8, Integer.class), (Integer) row.getObject(9, Integer.class), row.getString(10),
                "pending".equals(row.getString(5)) ? instant(row, 11) : null, instant(row, 12), instant(row, 13));
    }

    private static Instant instant(ResultSet row, int column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
