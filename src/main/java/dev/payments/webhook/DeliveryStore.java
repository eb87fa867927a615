package dev.payments.webhook;

import dev.payments.database.Database;
import dev.payments.database.Sql;
import jakarta.enterprise.context.ApplicationScoped;
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

    /**
     * The first statement of a claim: the enabled endpoints with a delivery due, locked until the
     * claim commits, skipping those another instance is claiming for: one instance at a time claims
     * for an endpoint.
     */
    private static final Sql LOCK_DUE_ENDPOINTS = Sql.of("""
            SELECT e.id
            FROM webhook_endpoints e
            WHERE e.status = 'enabled'
              AND EXISTS (SELECT FROM webhook_deliveries d
                          WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= now())
            LIMIT :batch_size
            FOR NO KEY UPDATE SKIP LOCKED""");

    /**
     * The second: due deliveries of the locked endpoints, per endpoint the oldest, as many as its
     * limit of attempts under way leaves room for, and at most {@code batch} in all; each is leased
     * (due again at the lease's end, when an instance that died sending it is taken over) to a new
     * attempt id. A statement of its own, after the lock: it counts the attempts under way in a
     * snapshot taken once the lock is held, so an instance that claimed for the endpoint just before
     * is counted (in one statement the count would be of the snapshot before the lock, and two
     * instances could together exceed the limit). SKIP LOCKED on the deliveries passes over those
     * being recorded. The claimed rows come with what sending needs (the URL, the secrets in use,
     * the event).
     */
    private static final Sql CLAIM = Sql.of("""
            WITH claimable AS (
                SELECT c.id
                FROM webhook_endpoints e
                CROSS JOIN LATERAL (
                    SELECT d.id FROM webhook_deliveries d
                    WHERE d.endpoint_id = e.id AND d.status = 'pending' AND d.next_attempt_at <= now()
                    ORDER BY d.next_attempt_at
                    LIMIT greatest(0, :per_endpoint - (SELECT count(*) FROM webhook_deliveries f
                                           WHERE f.endpoint_id = e.id AND f.attempt_id IS NOT NULL
                                             AND f.next_attempt_at > now()))
                    FOR UPDATE SKIP LOCKED) c
                WHERE e.id = ANY (CAST(:endpoint_ids AS uuid[]))
                LIMIT :batch_size),
            claimed AS (
                UPDATE webhook_deliveries d
                SET attempt_id = gen_random_uuid(), attempts = d.attempts + 1, last_attempt_at = now(),
                    next_attempt_at = now() + make_interval(secs => :lease_seconds), send_again = false
                FROM claimable c
                WHERE d.id = c.id
                RETURNING d.id, d.attempt_id, d.attempts, d.endpoint_id, d.event_id)
            SELECT c.id AS delivery_id, c.attempt_id, c.attempts, e.id AS endpoint_id, e.url, e.secret,
                   CASE WHEN e.previous_secret_expires_at > now() THEN e.previous_secret END AS previous_secret,
                   ev.id AS event_id, ev.type AS event_type, ev.created_at AS event_created_at, ev.data::text AS event_data
            FROM claimed c
            JOIN webhook_endpoints e ON e.id = c.endpoint_id
            JOIN events ev ON ev.id = c.event_id""");

    /**
     * The attempt's failure: due again after {@code delay} (at once if a redelivery came while it
     * ran), or failed for good if that would be past the retry window; the endpoint is failing
     * since its first failure after a success (written only then: a dead endpoint's failures do
     * not rewrite its row each time). Returns the delivery's status, and whether the endpoint has
     * been failing past the limit.
     *
     * <p>The endpoint is taken first (FOR KEY SHARE, which only a deletion waits for), then the
     * delivery: the order in which a deletion takes them (the endpoint, then its deliveries by
     * cascade). Delivery first, a deletion of the endpoint and this statement could each hold what
     * the other waits for, and PostgreSQL would refuse one of them as a deadlock.
     */
    private static final Sql FAILED = Sql.of("""
            WITH endpoint AS (
                SELECT id FROM webhook_endpoints WHERE id = :endpoint_id
                FOR KEY SHARE),
            retry AS (
                SELECT id, send_again,
                       NOT send_again AND scheduled_at + make_interval(secs => :retry_for_seconds)
                                          < now() + make_interval(secs => :delay_seconds) AS give_up
                FROM webhook_deliveries
                WHERE id = :delivery_id AND attempt_id = :attempt_id AND endpoint_id IN (SELECT id FROM endpoint)),
            failed AS (
                UPDATE webhook_deliveries d
                SET attempt_id = NULL, send_again = false,
                    last_status_code = :status_code, last_duration_ms = :duration_ms, last_error = :error,
                    status = CASE WHEN r.give_up THEN 'failed' ELSE 'pending' END,
                    next_attempt_at = CASE WHEN r.give_up THEN NULL WHEN r.send_again THEN now()
                                           ELSE now() + make_interval(secs => :delay_seconds) END
                FROM retry r
                WHERE d.id = r.id AND d.attempt_id = :attempt_id
                RETURNING d.id, d.endpoint_id, d.status, d.attempts, d.last_attempt_at),
            attempt AS (
                INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code,
                                                       error_kind, error, response_excerpt)
                SELECT f.id, f.attempts, f.last_attempt_at, :duration_ms, :status_code, :error_kind, :error, :excerpt
                FROM failed f
                RETURNING 1),
            pruned AS (
                DELETE FROM webhook_delivery_attempts a USING failed f
                WHERE a.delivery_id = f.id AND a.attempt <= f.attempts - :kept_attempts
                RETURNING 1),
            failing AS (
                UPDATE webhook_endpoints e SET failing_since = now()
                FROM failed f WHERE e.id = f.endpoint_id AND e.failing_since IS NULL
                RETURNING 1)
            SELECT f.status, coalesce((SELECT e.failing_since < now() - make_interval(secs => :disable_after_seconds)
                                       FROM webhook_endpoints e WHERE e.id = f.endpoint_id), false) AS endpoint_overdue
            FROM failed f""");

    /** Disables an endpoint failing past the limit; its pending deliveries fail with it. */
    private static final Sql DISABLE = Sql.of("""
            WITH disabled AS (
                UPDATE webhook_endpoints SET status = 'disabled', disabled_at = now()
                WHERE id = :endpoint_id AND status = 'enabled'
                  AND failing_since < now() - make_interval(secs => :disable_after_seconds)
                RETURNING id),
            dropped AS (
                UPDATE webhook_deliveries d
                SET status = 'failed', next_attempt_at = NULL, attempt_id = NULL, send_again = false,
                    last_error = coalesce(d.last_error, 'endpoint disabled')
                FROM disabled WHERE d.endpoint_id = disabled.id AND d.status = 'pending'
                RETURNING 1)
            SELECT count(*) AS disabled FROM disabled""");

    /**
     * Schedules the event again for every enabled endpoint of its merchant subscribed to its type,
     * with a new retry window, whatever became of the earlier delivery. An attempt under way (its
     * lease not over) is left to finish, since a second one at once would be a concurrent double
     * delivery, and marked: it began before this request, so when its outcome is recorded the
     * delivery is due again at once. An attempt whose lease is over is taken over, so that a late
     * success of it cannot record the delivery as done.
     */
    /**
     * Before REDELIVER, in its transaction: the event's deliveries locked in id order, the order in
     * which DELIVERED_ALL locks the rows it records, so that a redelivery and a batch of successes
     * that both hold one of the event's deliveries cannot each wait for the other.
     */
    private static final Sql LOCK_EVENT_DELIVERIES = Sql.of("""
            SELECT id FROM webhook_deliveries WHERE event_id = :event_id AND merchant_id = :merchant_id
            ORDER BY id
            FOR NO KEY UPDATE""");

    private static final Sql REDELIVER = Sql.of("""
            INSERT INTO webhook_deliveries (id, merchant_id, endpoint_id, event_id, next_attempt_at)
            SELECT gen_random_uuid(), ev.merchant_id, e.id, ev.id, now()
            FROM events ev
            JOIN webhook_endpoints e ON e.merchant_id = ev.merchant_id
            WHERE ev.id = :event_id AND ev.merchant_id = :merchant_id
              AND e.status = 'enabled' AND e.enabled_events && ARRAY['*', ev.type]
            ON CONFLICT ON CONSTRAINT webhook_deliveries_once_per_endpoint DO UPDATE
            SET status = 'pending', scheduled_at = now(), delivered_at = NULL,
                send_again = webhook_deliveries.attempt_id IS NOT NULL AND webhook_deliveries.next_attempt_at > now(),
                next_attempt_at = CASE WHEN webhook_deliveries.attempt_id IS NOT NULL
                                            AND webhook_deliveries.next_attempt_at > now()
                                       THEN webhook_deliveries.next_attempt_at ELSE now() END,
                attempt_id = CASE WHEN webhook_deliveries.next_attempt_at > now() THEN webhook_deliveries.attempt_id END""");

    /** The event's deliveries to the endpoints that take it now. */
    private static final Sql OF_EVENT = Sql.of("""
            SELECT d.id, d.event_id, ev.type, d.endpoint_id, d.status, d.attempts, d.last_attempt_at, d.last_status_code,
                   d.last_duration_ms, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at
            FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
            JOIN webhook_endpoints e ON e.id = d.endpoint_id
            WHERE d.event_id = :event_id AND d.merchant_id = :merchant_id
              AND e.status = 'enabled' AND e.enabled_events && ARRAY['*', ev.type]
            ORDER BY d.created_at, d.id""");

    private static final Sql FIRST_PAGE = Sql.of("""
            SELECT d.id, d.event_id, ev.type, d.endpoint_id, d.status, d.attempts, d.last_attempt_at, d.last_status_code,
                   d.last_duration_ms, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at
            FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
            WHERE d.endpoint_id = :endpoint_id
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT :page_size""");

    /** After a cursor; a statement of its own for the reason EventStore's PAGE_AFTER gives. */
    private static final Sql PAGE_AFTER = Sql.of("""
            SELECT d.id, d.event_id, ev.type, d.endpoint_id, d.status, d.attempts, d.last_attempt_at, d.last_status_code,
                   d.last_duration_ms, d.last_error, d.next_attempt_at, d.delivered_at, d.created_at
            FROM webhook_deliveries d JOIN events ev ON ev.id = d.event_id
            WHERE d.endpoint_id = :endpoint_id
              AND (d.created_at, d.id) < (SELECT created_at, id FROM webhook_deliveries
                                          WHERE id = :cursor AND endpoint_id = :endpoint_id)
            ORDER BY d.created_at DESC, d.id DESC
            LIMIT :page_size""");

    /** A delivery's attempts, newest first (the last KEPT_ATTEMPTS of them are kept). */
    private static final Sql ATTEMPTS = Sql.of("""
            SELECT a.attempt, a.started_at, a.duration_ms, a.status_code, a.error_kind, a.error, a.response_excerpt
            FROM webhook_delivery_attempts a
            JOIN webhook_deliveries d ON d.id = a.delivery_id
            WHERE a.delivery_id = :delivery_id AND d.endpoint_id = :endpoint_id AND d.merchant_id = :merchant_id
            ORDER BY a.attempt DESC""");

    /** The merchants that have an endpoint to deliver to. */
    private static final Sql MERCHANTS = Sql.of("""
            SELECT DISTINCT merchant_id FROM webhook_endpoints WHERE status = 'enabled'""");

    /**
     * Several attempts' successes in one statement (the common outcome, so the worker's cost per
     * delivery is a fraction of a statement); each only if its attempt still holds the delivery, and
     * due again at once instead if a redelivery came while it ran. Returns the deliveries recorded.
     */
    private static final Sql DELIVERED_ALL = Sql.of("""
            WITH endpoints AS (
                -- the endpoints before their deliveries, as FAILED takes them
                SELECT id FROM webhook_endpoints
                WHERE id IN (SELECT endpoint_id FROM webhook_deliveries WHERE id = ANY (CAST(:delivery_ids AS uuid[])))
                FOR KEY SHARE),
            locked AS (
                -- in id order, as LOCK_EVENT_DELIVERIES locks: two statements that lock some of the same
                -- deliveries take them in one order, so neither waits for the other while holding what it needs
                SELECT id FROM webhook_deliveries
                WHERE id = ANY (CAST(:delivery_ids AS uuid[])) AND endpoint_id IN (SELECT id FROM endpoints)
                ORDER BY id
                FOR NO KEY UPDATE),
            done AS (
                UPDATE webhook_deliveries d
                SET status = CASE WHEN d.send_again THEN 'pending' ELSE 'delivered' END,
                    delivered_at = CASE WHEN d.send_again THEN NULL ELSE now() END,
                    next_attempt_at = CASE WHEN d.send_again THEN now() END,
                    attempt_id = NULL, send_again = false,
                    last_status_code = o.status_code, last_duration_ms = o.duration_ms, last_error = NULL
                FROM unnest(CAST(:delivery_ids AS uuid[]), CAST(:attempt_ids AS uuid[]), CAST(:status_codes AS smallint[]),
                            CAST(:durations_ms AS integer[]), CAST(:excerpts AS text[]))
                     AS o (id, attempt_id, status_code, duration_ms, excerpt)
                WHERE d.id = o.id AND d.attempt_id = o.attempt_id AND d.id IN (SELECT id FROM locked)
                RETURNING d.id, d.endpoint_id, d.attempts, d.last_attempt_at, o.status_code, o.duration_ms, o.excerpt),
            attempt AS (
                INSERT INTO webhook_delivery_attempts (delivery_id, attempt, started_at, duration_ms, status_code,
                                                       response_excerpt)
                SELECT id, attempts, last_attempt_at, duration_ms, status_code, excerpt FROM done
                RETURNING 1),
            pruned AS (
                DELETE FROM webhook_delivery_attempts a USING done d
                WHERE a.delivery_id = d.id AND a.attempt <= d.attempts - :kept_attempts
                RETURNING 1),
            healed AS (
                UPDATE webhook_endpoints e SET failing_since = NULL
                WHERE e.id IN (SELECT endpoint_id FROM done) AND e.failing_since IS NOT NULL
                RETURNING 1)
            SELECT id FROM done""");

    private static final Sql EXISTS = Sql.of("""
            SELECT EXISTS (SELECT FROM webhook_deliveries WHERE id = :delivery_id AND endpoint_id = :endpoint_id) AS found""");

    /** The oldest due delivery's lateness in seconds (0 if none is due), and how many are due (counted to 10,000). */
    private static final Sql BACKLOG = Sql.of("""
            SELECT coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0) AS age_seconds,
                   (SELECT count(*) FROM (SELECT 1 FROM webhook_deliveries
                                          WHERE status = 'pending' AND next_attempt_at <= now() LIMIT 10000) due) AS due
            FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= now()""");

    private final Database database;

    DeliveryStore(Database database) {
        this.database = database;
    }

    /** A claimed delivery: its attempt, where it goes, the secrets that sign it, and its event. */
    record Claimed(UUID id, UUID attemptId, int attempt, UUID endpointId, String url, List<String> secrets,
            UUID eventId, String eventType, Instant eventCreatedAt, String eventData) {
    }

    /** Claims due deliveries ({@link #LOCK_DUE_ENDPOINTS}, then {@link #CLAIM}), in the caller's transaction. */
    List<Claimed> claim(int perEndpoint, int batch, Duration lease) throws SQLException {
        String[] endpoints = database.list(LOCK_DUE_ENDPOINTS, Sql.with("batch_size", batch),
                row -> row.getObject("id", UUID.class).toString()).toArray(String[]::new);
        if (endpoints.length == 0) {
            return List.of();
        }
        return database.list(CLAIM, Sql.with("per_endpoint", perEndpoint)
                .and("endpoint_ids", endpoints)
                .and("batch_size", batch)
                .and("lease_seconds", Database.seconds(lease)), row -> {
            String previous = row.getString("previous_secret");
            String secret = row.getString("secret");
            List<String> secrets = previous == null ? List.of(secret) : List.of(secret, previous);
            return new Claimed(row.getObject("delivery_id", UUID.class), row.getObject("attempt_id", UUID.class),
                    row.getInt("attempts"), row.getObject("endpoint_id", UUID.class), row.getString("url"), secrets,
                    row.getObject("event_id", UUID.class), row.getString("event_type"),
                    row.getObject("event_created_at", OffsetDateTime.class).toInstant(), row.getString("event_data"));
        });
    }

    /** A successful attempt to record: its delivery, the status and how long it took. */
    record Success(Claimed delivery, AttemptOutcome.Answered answer, long durationMillis) {
    }

    /** How many of a delivery's attempts are kept (each outcome's statement deletes the older ones). */
    static final int KEPT_ATTEMPTS = 25;

    /** Records the successes; returns the ids of the deliveries whose attempt still held them. */
    Set<UUID> delivered(List<Success> successes) throws SQLException {
        // as text and integer arrays, which the driver binds as they are, cast in the statement
        return new HashSet<>(database.list(DELIVERED_ALL, Sql.with("delivery_ids",
                        successes.stream().map(s -> s.delivery().id().toString()).toArray(String[]::new))
                .and("attempt_ids", successes.stream().map(s -> s.delivery().attemptId().toString()).toArray(String[]::new))
                .and("status_codes", successes.stream().map(s -> s.answer().statusCode()).toArray(Integer[]::new))
                .and("durations_ms", successes.stream()
                        .map(s -> (int) Math.min(Integer.MAX_VALUE, s.durationMillis())).toArray(Integer[]::new))
                .and("excerpts", successes.stream().map(s -> s.answer().excerpt()).toArray(String[]::new))
                .and("kept_attempts", KEPT_ATTEMPTS),
                row -> row.getObject("id", UUID.class)));
    }

    Set<String> merchantsWithEndpoints() throws SQLException {
        return new HashSet<>(database.list(MERCHANTS, Sql.none(), row -> row.getString("merchant_id")));
    }

    /** What recording a failure came to: the delivery's status now, and whether its endpoint is overdue for disabling. */
    record Failure(String status, boolean endpointOverdue) {
    }

    /** Empty if the attempt no longer holds the delivery. */
    Optional<Failure> failed(Claimed claimed, AttemptOutcome outcome, long durationMillis, Duration delay,
            Duration retryFor, Duration disableAfter) throws SQLException {
        Short statusCode = outcome instanceof AttemptOutcome.Answered answered ? (short) answered.statusCode() : null;
        String error = outcome.error();
        return database.one(FAILED, Sql.with("retry_for_seconds", Database.seconds(retryFor))
                .and("delay_seconds", Database.seconds(delay))
                .and("endpoint_id", claimed.endpointId())
                .and("delivery_id", claimed.id())
                .and("attempt_id", claimed.attemptId())
                .and("status_code", statusCode)
                .and("duration_ms", (int) durationMillis)
                .and("error", error.length() > 500 ? error.substring(0, 500) : error)
                .and("error_kind", outcome.errorKind())
                .and("excerpt", outcome instanceof AttemptOutcome.Answered answered ? answered.excerpt() : null)
                .and("kept_attempts", KEPT_ATTEMPTS)
                .and("disable_after_seconds", Database.seconds(disableAfter)),
                row -> new Failure(row.getString("status"), row.getBoolean("endpoint_overdue")));
    }

    /** The delivery's kept attempts, newest first; empty if it is not one of the merchant's endpoint's. */
    List<AttemptResponse> attempts(String merchantId, UUID endpointId, UUID deliveryId) throws SQLException {
        return database.list(ATTEMPTS, Sql.with("delivery_id", deliveryId).and("endpoint_id", endpointId)
                .and("merchant_id", merchantId), row -> new AttemptResponse(row.getInt("attempt"),
                        row.getObject("started_at", OffsetDateTime.class).toInstant(), row.getInt("duration_ms"),
                        (Integer) row.getObject("status_code", Integer.class), row.getString("error_kind"),
                        row.getString("error"), row.getString("response_excerpt")));
    }

    boolean disable(UUID endpointId, Duration disableAfter) throws SQLException {
        return database.one(DISABLE, Sql.with("endpoint_id", endpointId)
                .and("disable_after_seconds", Database.seconds(disableAfter)), row -> row.getLong("disabled") == 1)
                .orElse(false);
    }

    /** Schedules the event again; returns its deliveries to the endpoints that take it. */
    List<DeliveryResponse> redeliver(String merchantId, UUID eventId) throws SQLException {
        database.list(LOCK_EVENT_DELIVERIES, Sql.with("event_id", eventId).and("merchant_id", merchantId), row -> true);
        database.update(REDELIVER, Sql.with("event_id", eventId).and("merchant_id", merchantId));
        return database.list(OF_EVENT, Sql.with("event_id", eventId).and("merchant_id", merchantId), DeliveryStore::delivery);
    }

    List<DeliveryResponse> page(UUID endpointId, UUID startingAfter, int limit) throws SQLException {
        Sql.Parameters page = Sql.with("endpoint_id", endpointId).and("page_size", limit);
        if (startingAfter == null) {
            return database.list(FIRST_PAGE, page, DeliveryStore::delivery);
        }
        return database.list(PAGE_AFTER, page.and("cursor", startingAfter), DeliveryStore::delivery);
    }

    boolean exists(UUID endpointId, UUID id) throws SQLException {
        return database.one(EXISTS, Sql.with("delivery_id", id).and("endpoint_id", endpointId), row -> row.getBoolean("found"))
                .orElseThrow();
    }

    /** Seconds the oldest due delivery is late, and how many are due. */
    record Backlog(double ageSeconds, long due) {
    }

    Backlog backlog() throws SQLException {
        return database.one(BACKLOG, Sql.none(), row -> new Backlog(row.getDouble("age_seconds"), row.getLong("due")))
                .orElseThrow();
    }

    private static DeliveryResponse delivery(ResultSet row) throws SQLException {
        return new DeliveryResponse(row.getObject("id", UUID.class), row.getObject("event_id", UUID.class),
                row.getString("type"), row.getObject("endpoint_id", UUID.class), row.getString("status"),
                row.getInt("attempts"), instant(row, "last_attempt_at"), row.getObject("last_status_code", Integer.class),
                row.getObject("last_duration_ms", Integer.class), row.getString("last_error"),
                "pending".equals(row.getString("status")) ? instant(row, "next_attempt_at") : null,
                instant(row, "delivered_at"), instant(row, "created_at"));
    }

    private static Instant instant(ResultSet row, String column) throws SQLException {
        OffsetDateTime value = row.getObject(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }
}
