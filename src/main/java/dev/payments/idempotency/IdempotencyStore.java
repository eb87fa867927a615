package dev.payments.idempotency;

import dev.payments.database.Database;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The SQL of the idempotency_keys table. Each method is one statement: inside the caller's
 * transaction if there is one, else committing by itself.
 *
 * <p>Why {@code INSERT ... ON CONFLICT DO NOTHING}: inserting the key is how a request claims it.
 * A plain INSERT would raise a unique violation on a duplicate, which aborts the whole
 * PostgreSQL transaction (nothing more can run in it without a savepoint). A SELECT first would
 * race: two requests could both see no row. ON CONFLICT DO NOTHING does what is needed in one
 * statement: if another transaction holds an uncommitted row with the same key it waits on the
 * unique index until that transaction ends, then inserts (the other rolled back) or reports zero
 * rows (the other committed), and in neither case is our transaction aborted. The wait is bounded
 * by PostgreSQL's lock_timeout ({@link dev.payments.database.SessionLimits}).
 *
 * <p>Plain JDBC on the transaction's connection ({@link Database}): these are hand-written
 * statements, and running them as Hibernate native queries only added a session and query
 * interpretation to every request: about a fifth of the service's CPU per create, measured.
 */
@ApplicationScoped
public class IdempotencyStore {

    /**
     * The claim, and in the same statement the creation of what the key is for (a data-modifying
     * CTE that inserts only if the claim did, reading its {@code resource_id}; the key row names
     * that resource already, and its foreign key is checked at the end of the statement, once the
     * resource is there). If the key is taken, the second branch returns what is stored.
     */
    private static final String CLAIM = """
            WITH claimed AS (
                INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, fingerprint_scheme,
                                              payment_id, resource_id)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT DO NOTHING
                RETURNING resource_id),
            created AS (%s)
            SELECT true, NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, (SELECT created FROM created) FROM claimed
            UNION ALL
            SELECT false, %s, NULL
            FROM idempotency_keys
            WHERE merchant_id = ? AND idempotency_key = ? AND NOT EXISTS (SELECT 1 FROM claimed)""";

    /** A claim that creates nothing in its own statement: the operation's phase 1 follows in its transaction. */
    private static final String CREATES_NOTHING = "SELECT NULL AS created FROM claimed";

    /**
     * The stored columns, as {@link #stored} reads them. A row written by the release before the
     * lifecycle (a create, during a rolling deploy) has no resource_id and no Location: its
     * resource is its payment, and a 201's Location is the payment's.
     */
    private static final String STORED_COLUMNS = """
            request_fingerprint, fingerprint_scheme, payment_id, coalesce(resource_id, payment_id), response_status,
            response_body,
            coalesce(response_location, CASE WHEN response_status = 201 THEN '/payments/' || payment_id END),
            created_at < now() - make_interval(secs => ?)""";

    private static final String FIND = "SELECT " + STORED_COLUMNS + """

            FROM idempotency_keys
            WHERE merchant_id = ? AND idempotency_key = ?""";

    /**
     * An answer decided in phase 1 (a 409 for the resource's state, or the result of an operation
     * done wholly in phase 1), stored in the claiming transaction.
     */
    private static final String ANSWER = """
            UPDATE idempotency_keys SET response_status = ?, response_body = ?, response_location = ?
            WHERE merchant_id = ? AND idempotency_key = ? AND response_status IS NULL""";

    /**
     * Phase 3: the operation's outcome (a data-modifying CTE named {@code finished}, changing the
     * resource only if its attempt is still unfinished, returning it as {@code resource_id}) and,
     * only if it did, its event (the outbox: no change unreported, no event of a change that did not
     * commit) and the answer on the key, in one statement.
     */
    private static final String COMPLETE = """
            WITH finished AS (%s),
            reported AS (
                INSERT INTO events (id, merchant_id, type, object_id, data)
                SELECT ?, ?, ?, f.resource_id, jsonb_build_object('object', CAST(? AS jsonb)) FROM finished f
                RETURNING 1),
            answered AS (
                UPDATE idempotency_keys k SET response_status = ?, response_body = ?, response_location = ?
                FROM finished f
                WHERE k.merchant_id = ? AND k.idempotency_key = ? AND coalesce(k.resource_id, k.payment_id) = f.resource_id
                  AND k.response_status IS NULL
                RETURNING 1)
            SELECT (SELECT count(*) FROM finished), (SELECT count(*) FROM answered)""";

    private static final String FORGET_EXPIRED = """
            DELETE FROM idempotency_keys
            WHERE merchant_id = ? AND idempotency_key = ?
              AND created_at < now() - make_interval(secs => ?)""";

    private static final String DELETE_EXPIRED = """
            DELETE FROM idempotency_keys k
            USING (SELECT merchant_id, idempotency_key FROM idempotency_keys
                   WHERE created_at < now() - make_interval(secs => ?)
                   ORDER BY created_at
                   LIMIT ?
                   FOR UPDATE SKIP LOCKED) expired
            WHERE k.merchant_id = expired.merchant_id AND k.idempotency_key = expired.idempotency_key""";

    private final Database database;
    /** Tells this instance's observers (the webhook worker) that an event has committed. */
    private final jakarta.enterprise.event.Event<Reported> reported;
    /**
     * The claim statement for each kind of creation, composed once: every create uses it, and a
     * statement text built anew each time would cost a format and a hash of ~1 KB per request.
     */
    private final Map<String, String> claimStatements = new ConcurrentHashMap<>();
    /** The same for each kind of completion. */
    private final Map<String, String> completeStatements = new ConcurrentHashMap<>();

    IdempotencyStore(Database database, jakarta.enterprise.event.Event<Reported> reported) {
        this.database = database;
        this.reported = reported;
    }

    /**
     * What a claim creates along with the key, in the same statement: an {@code INSERT ... SELECT
     * ... FROM claimed} that takes its id from {@code claimed.resource_id} and returns one column
     * named {@code created}, with the parameters it binds from position {@code from} on.
     */
    public interface Creation<T> {
        /** The id of what is created, the key's {@code resource_id}. */
        UUID id();

        /** The INSERT, a constant string (so that its prepared statement is reused). */
        String insert();

        /** Binds the INSERT's parameters from position {@code from}; returns the next free position. */
        int bind(PreparedStatement statement, int from) throws SQLException;

        /** The {@code created} column's value. */
        T created(ResultSet row, int column) throws SQLException;

        /**
         * A claim that creates nothing in its own statement: the operation's phase 1 continues in
         * the claim's transaction, and {@code resourceId} is what it will make or change.
         */
        static Creation<Void> nothing(UUID resourceId) {
            return new Creation<>() {
                @Override
                public UUID id() {
                    return resourceId;
                }

                @Override
                public String insert() {
                    return CREATES_NOTHING;
                }

                @Override
                public int bind(PreparedStatement statement, int from) {
                    return from;
                }

                @Override
                public Void created(ResultSet row, int column) {
                    return null;
                }
            };
        }
    }

    /**
     * What phase 3 changes along with the key's answer, in the same statement: an UPDATE that
     * changes the resource only while its attempt is unfinished and returns one column,
     * {@code resource_id}, with the parameters it binds from position {@code from} on.
     */
    public interface Completion {
        /** The UPDATE, a constant string. */
        String update();

        int bind(PreparedStatement statement, int from) throws SQLException;

        /** The event the change is: its type (payment.succeeded, ...) and the object as GET shows it now. */
        Event event();

        /** Binds an UPDATE's parameters from position {@code from}; returns the next free position. */
        @FunctionalInterface
        interface Binder {
            int bind(PreparedStatement statement, int from) throws SQLException;
        }

        /** The completion {@code update}, bound by {@code binder}, reported as {@code event}. */
        static Completion of(String update, Event event, Binder binder) {
            return new Completion() {
                @Override
                public String update() {
                    return update;
                }

                @Override
                public int bind(PreparedStatement statement, int from) throws SQLException {
                    return binder.bind(statement, from);
                }

                @Override
                public Event event() {
                    return event;
                }
            };
        }
    }

    /** An event of a completed change: {@code type}, and {@code object} (JSON) as GET returns it after the change. */
    public record Event(UUID id, String type, String object) {
    }

    /** A merchant's event has just committed (a CDI event, fired in this instance only). */
    public record Reported(String merchantId, Event event) {
    }

    /**
     * Claims the key and creates what it is for, or returns what is stored for it, in one
     * statement and one round trip (see {@link Claim} for the three outcomes). Outside a
     * transaction it commits by itself: the key and its resource become visible together.
     */
    public <T> Claim<T> claim(String merchantId, IdempotencyKey key, String requestFingerprint, Duration retention,
            UUID paymentId, Creation<T> creation) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement claim = connection.prepareStatement(
                        claimStatements.computeIfAbsent(creation.insert(),
                                insert -> String.format(CLAIM, insert, STORED_COLUMNS)))) {
            claim.setString(1, merchantId);
            claim.setString(2, key.value());
            claim.setString(3, requestFingerprint);
            claim.setInt(4, RequestFingerprint.CURRENT_SCHEME);
            claim.setObject(5, paymentId);
            claim.setObject(6, creation.id());
            int next = creation.bind(claim, 7);
            claim.setDouble(next, retention.toSeconds());
            claim.setString(next + 1, merchantId);
            claim.setString(next + 2, key.value());
            try (ResultSet row = claim.executeQuery()) {
                if (!row.next()) {
                    return new Claim.CommittedMeanwhile<>();
                }
                return row.getBoolean(1)
                        ? new Claim.Claimed<>(creation.created(row, 10))
                        : new Claim.Taken<>(stored(row, 2));
            }
        }
    }

    /** What {@link #claim} found. */
    public sealed interface Claim<T> {
        /** The key is this request's now, and what it is for was created: {@code created} says how. */
        record Claimed<T>(T created) implements Claim<T> {
        }

        /** The key was already taken; this is what is stored for it (an answer, or not yet). */
        record Taken<T>(StoredKey stored) implements Claim<T> {
        }

        /**
         * The key was committed by a concurrent request while this one waited on it, after this
         * statement's snapshot was taken, so only a new statement ({@link #find}) can read it.
         */
        record CommittedMeanwhile<T>() implements Claim<T> {
        }
    }

    /** The committed key, and whether it is older than the retention period. */
    public Optional<StoredKey> find(String merchantId, IdempotencyKey key, Duration retention)
            throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement find = connection.prepareStatement(FIND)) {
            find.setDouble(1, retention.toSeconds());
            find.setString(2, merchantId);
            find.setString(3, key.value());
            try (ResultSet row = find.executeQuery()) {
                return row.next() ? Optional.of(stored(row, 1)) : Optional.empty();
            }
        }
    }

    /**
     * The stored columns from {@code from} on: fingerprint, its scheme, payment id, resource id,
     * status, body, location, expired.
     */
    private static StoredKey stored(ResultSet row, int from) throws SQLException {
        String body = row.getString(from + 5);
        Optional<StoredKey.Answer> answer = body == null
                ? Optional.empty()
                : Optional.of(new StoredKey.Answer(row.getInt(from + 4), body, row.getString(from + 6)));
        return new StoredKey(
                row.getString(from),
                row.getInt(from + 1),
                row.getObject(from + 2, UUID.class),
                row.getObject(from + 3, UUID.class),
                answer,
                row.getBoolean(from + 7));
    }

    /** Stores the answer phase 1 gave (a refusal, or an operation done), in the transaction that claimed the key. */
    public void answer(String merchantId, IdempotencyKey key, StoredKey.Answer answer) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement store = connection.prepareStatement(ANSWER)) {
            store.setInt(1, answer.status());
            store.setString(2, answer.body());
            store.setString(3, answer.location());
            store.setString(4, merchantId);
            store.setString(5, key.value());
            if (store.executeUpdate() != 1) {
                throw new IllegalStateException("idempotency key " + key + " is not claimed by this transaction");
            }
        }
    }

    /**
     * Phase 3: the completion and the answer on the key, in one statement committing by itself.
     * False if the completion changed nothing (another attempt finished first: its answer stands).
     * True even if the key is gone (expired and purged): the outcome is recorded, with nobody to
     * tell it to. {@code key} is empty for work no request asked for (the service's own).
     */
    public boolean complete(String merchantId, Optional<IdempotencyKey> key, StoredKey.Answer answer,
            Completion completion) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement complete = connection.prepareStatement(completeStatements.computeIfAbsent(
                        completion.update(), update -> String.format(COMPLETE, update)))) {
            int next = completion.bind(complete, 1);
            Event event = completion.event();
            complete.setObject(next, event.id());
            complete.setString(next + 1, merchantId);
            complete.setString(next + 2, event.type());
            complete.setString(next + 3, event.object());
            next += 4;
            complete.setInt(next, answer.status());
            complete.setString(next + 1, answer.body());
            complete.setString(next + 2, answer.location());
            complete.setString(next + 3, merchantId);
            complete.setString(next + 4, key.map(IdempotencyKey::value).orElse(null));
            boolean finished;
            try (ResultSet row = complete.executeQuery()) {
                row.next();
                finished = row.getLong(1) == 1;
            }
            if (finished) {
                reported.fire(new Reported(merchantId, event));
            }
            return finished;
        }
    }

    /** Forgets an expired key so that it can be claimed again; false if it is gone or not expired. */
    public boolean forgetExpired(String merchantId, IdempotencyKey key, Duration retention) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement forget = connection.prepareStatement(FORGET_EXPIRED)) {
            forget.setString(1, merchantId);
            forget.setString(2, key.value());
            forget.setDouble(3, retention.toSeconds());
            return forget.executeUpdate() == 1;
        }
    }

    /**
     * Deletes up to {@code batchSize} expired keys, oldest first. SKIP LOCKED passes over keys that
     * a request is working on right now instead of waiting for it.
     */
    public int deleteExpired(Duration retention, int batchSize) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement delete = connection.prepareStatement(DELETE_EXPIRED)) {
            delete.setDouble(1, retention.toSeconds());
            delete.setInt(2, batchSize);
            return delete.executeUpdate();
        }
    }
}
