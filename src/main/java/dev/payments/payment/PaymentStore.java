package dev.payments.payment;

import static dev.payments.database.DatabaseException.unchecked;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.CombinedStatement;
import dev.payments.database.Database;
import dev.payments.database.DatabaseConfig;
import dev.payments.database.Sql;
import dev.payments.event.Event;
import dev.payments.idempotency.Claim;
import dev.payments.idempotency.KeyedRequest;
import dev.payments.idempotency.RequestFingerprint;
import dev.payments.idempotency.StoredAnswer;
import dev.payments.idempotency.StoredKey;
import dev.payments.json.StringMaps;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The statements of a payment's phases, each whole, with its parameters named. Each phase of a
 * create is one statement committing by itself (a CTE where two or three tables change together),
 * shared by the creates that arrive together ({@link CombinedStatement}): what PostgreSQL spends on
 * a short write is mostly the statement, its plan, constraints, triggers and commit, not the row
 * (docs/performance.md). Rows are read by column name into the {@link Payment} entity, the one
 * model of the table; Hibernate reads it for GET.
 *
 * <p>The lease ({@code attempt_until}) says until when an attempt at the processor call may still
 * be running: see {@link LeasedPayment}.
 */
@ApplicationScoped
public class PaymentStore {

    private static final Logger LOG = Logger.getLogger(PaymentStore.class);

    /**
     * A create's phase 1, for the creates that arrive together ({@link CombinedStatement}; alone,
     * for one): each key claimed and its payment inserted, processing and leased to its attempt, in
     * one statement. A payment is inserted only if its key was claimed; the key row names the
     * payment already, and its foreign key is checked at the end of the statement, once the payment
     * is there. Keys are claimed in one order (merchant, key) by every statement, so two statements
     * never each wait for a key the other holds. If a key was taken, its row says by what request:
     * the key as stored ({@code taken}, read only then). A row whose statement waited for a
     * concurrent claimer that then committed finds neither: that key row is newer than the
     * statement's snapshot (so is one claimed by another row of the same statement).
     */
    private static final Sql INSERT_KEYS_AND_PAYMENTS = Sql.of("""
            WITH requests AS (
                SELECT *
                FROM unnest(CAST(:payment_ids AS uuid[]), CAST(:merchant_ids AS text[]), CAST(:idempotency_keys AS text[]),
                            CAST(:request_fingerprints AS text[]), CAST(:amounts AS bigint[]), CAST(:currencies AS text[]),
                            CAST(:payment_methods AS text[]), CAST(:descriptions AS text[]), CAST(:metadata AS jsonb[]),
                            CAST(:created_at AS timestamptz[]), CAST(:processor_keys AS text[]),
                            CAST(:capture_methods AS text[]), CAST(:lease_seconds AS float8[]),
                            CAST(:retention_seconds AS float8[]))
                    AS r (payment_id, merchant_id, idempotency_key, request_fingerprint, amount, currency, payment_method,
                          description, metadata, created_at, processor_key, capture_method, lease_seconds,
                          retention_seconds)),
            claimed AS (
                INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, fingerprint_scheme,
                                              payment_id, resource_id)
                SELECT merchant_id, idempotency_key, request_fingerprint, :fingerprint_scheme, payment_id, payment_id
                FROM requests
                ORDER BY merchant_id, idempotency_key
                ON CONFLICT DO NOTHING
                RETURNING payment_id),
            created AS (
                INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, description, metadata,
                                      created_at, processor_key, idempotency_key, capture_method, attempt_until)
                SELECT r.payment_id, r.merchant_id, r.amount, r.currency, 'processing', r.payment_method, r.description,
                       r.metadata, r.created_at, r.processor_key, r.idempotency_key, r.capture_method,
                       now() + make_interval(secs => r.lease_seconds)
                FROM requests r JOIN claimed USING (payment_id)
                RETURNING id, attempt_until)
            SELECT r.payment_id AS this_payment_id, created.attempt_until,
                   taken.request_fingerprint, taken.fingerprint_scheme, taken.payment_id,
                   coalesce(taken.resource_id, taken.payment_id) AS resource_id,
                   taken.response_status, taken.response_body,
                   coalesce(taken.response_location,
                            CASE WHEN taken.response_status = 201 THEN '/payments/' || taken.payment_id END)
                       AS response_location,
                   taken.created_at < now() - make_interval(secs => r.retention_seconds) AS expired
            FROM requests r
            LEFT JOIN created ON created.id = r.payment_id
            LEFT JOIN idempotency_keys taken
                   ON taken.merchant_id = r.merchant_id AND taken.idempotency_key = r.idempotency_key
                  AND created.id IS NULL""");

    /**
     * A create's phase 3, for the creates that arrive together (as phase 1): each outcome, only if
     * its payment is still processing (another attempt may have finished it), and only then its
     * event (the outbox) and the answer on its key, in one statement. Returns the payments it
     * finished.
     */
    private static final Sql FINISH_CREATES = Sql.of("""
            WITH outcomes AS (
                SELECT *
                FROM unnest(CAST(:payment_ids AS uuid[]), CAST(:statuses AS text[]), CAST(:decline_codes AS text[]),
                            CAST(:failure_codes AS text[]), CAST(:processor_charge_ids AS text[]),
                            CAST(:amounts_capturable AS bigint[]), CAST(:amounts_captured AS bigint[]),
                            CAST(:merchant_ids AS text[]), CAST(:idempotency_keys AS text[]), CAST(:event_ids AS uuid[]),
                            CAST(:event_types AS text[]), CAST(:event_objects AS jsonb[]),
                            CAST(:response_statuses AS integer[]), CAST(:response_bodies AS text[]),
                            CAST(:response_locations AS text[]))
                    AS o (payment_id, status, decline_code, failure_code, processor_charge_id, amount_capturable,
                          amount_captured, merchant_id, idempotency_key, event_id, event_type, event_object,
                          response_status, response_body, response_location)),
            finished AS (
                UPDATE payments p
                SET status = o.status, decline_code = o.decline_code, failure_code = o.failure_code,
                    processor_charge_id = o.processor_charge_id,
                    amount_capturable = o.amount_capturable, amount_captured = o.amount_captured,
                    finished_at = now(), attempt_until = NULL
                FROM outcomes o
                WHERE p.id = o.payment_id AND p.status = 'processing'
                RETURNING p.id),
            reported AS (
                INSERT INTO events (id, merchant_id, type, object_id, data)
                SELECT o.event_id, o.merchant_id, o.event_type, o.payment_id, jsonb_build_object('object', o.event_object)
                FROM outcomes o JOIN finished ON finished.id = o.payment_id),
            answered AS (
                UPDATE idempotency_keys k
                SET response_status = o.response_status, response_body = o.response_body,
                    response_location = o.response_location
                FROM outcomes o JOIN finished ON finished.id = o.payment_id
                WHERE k.merchant_id = o.merchant_id AND k.idempotency_key = o.idempotency_key
                  AND coalesce(k.resource_id, k.payment_id) = o.payment_id AND k.response_status IS NULL)
            SELECT id AS finished_payment_id FROM finished""");

    /** A processing payment's lease, taken if it has passed (or was given back). */
    private static final Sql TAKE_LEASE = Sql.of("""
            UPDATE payments SET attempt_until = now() + make_interval(secs => :lease_seconds)
            WHERE id = :payment_id AND status = 'processing' AND attempt_until <= now()
            RETURNING *""");

    /** A lease given back by the attempt that holds it, so that the next need not wait for it to pass. */
    private static final Sql GIVE_BACK_LEASE = Sql.of("""
            UPDATE payments SET attempt_until = now()
            WHERE id = :payment_id AND attempt_until = :until""");

    /**
     * The recovery job's batch: payments processing for longer than the bound, not leased (no
     * attempt running), leased to the job in the same statement. SKIP LOCKED: an instance passes
     * over the rows another instance is taking right now.
     */
    private static final Sql TAKE_STALE = Sql.of("""
            UPDATE payments SET attempt_until = now() + make_interval(secs => :lease_seconds)
            WHERE id IN (SELECT id FROM payments
                         WHERE status = 'processing' AND created_at < now() - make_interval(secs => :after_seconds)
                           AND attempt_until <= now()
                         ORDER BY created_at
                         LIMIT :batch_size
                         FOR UPDATE SKIP LOCKED)
              AND status = 'processing'
            RETURNING *""");

    /** Everything under way (creates, actions, refunds), and what of it is older than the stuck bound. */
    private static final Sql COUNT_UNDER_WAY = Sql.of("""
            SELECT (SELECT count(*) FROM payments WHERE status = 'processing' OR pending_action IS NOT NULL)
                 + (SELECT count(*) FROM refunds WHERE status = 'pending') AS under_way,
                   (SELECT count(*) FROM payments
                    WHERE (status = 'processing' AND created_at < now() - make_interval(secs => :stuck_seconds))
                       OR pending_since < now() - make_interval(secs => :stuck_seconds))
                 + (SELECT count(*) FROM refunds
                    WHERE status = 'pending' AND created_at < now() - make_interval(secs => :stuck_seconds)) AS stuck""");

    private static final Sql EXISTS = Sql.of("""
            SELECT EXISTS (SELECT FROM payments WHERE id = :payment_id AND merchant_id = :merchant_id) AS found""");

    /**
     * An action's or a refund's phase 1 reads the payment under its row lock: concurrent actions and
     * refunds on one payment queue here. NO KEY UPDATE, not UPDATE: the claim before it has taken the
     * KEY SHARE lock that the key row's foreign key takes on the payment, and FOR UPDATE would wait on
     * every other claimer's, who wait on ours (a deadlock). No key column of a payment ever changes.
     */
    private static final Sql LOCK = Sql.of("""
            SELECT * FROM payments WHERE id = :payment_id AND merchant_id = :merchant_id FOR NO KEY UPDATE""");

    /** An action's phase 1, on the locked payment: the capture or cancel under way, leased to this attempt. */
    private static final Sql START_ACTION = Sql.of("""
            UPDATE payments
            SET pending_action = :action, pending_amount = :amount, pending_reason = :reason,
                pending_key = :idempotency_key, pending_since = now(),
                attempt_until = now() + make_interval(secs => :lease_seconds)
            WHERE id = :payment_id AND status = 'requires_capture' AND pending_action IS NULL
            RETURNING *""");

    /** A capture's phase 3, if it is still under way, with its event and the key's answer (as FINISH_CREATES). */
    private static final Sql FINISH_CAPTURE = Sql.of("""
            WITH finished AS (
                UPDATE payments
                SET status = 'succeeded', amount_capturable = 0, amount_captured = :amount_captured,
                    pending_action = NULL, pending_amount = NULL, pending_reason = NULL, pending_key = NULL,
                    pending_since = NULL, attempt_until = NULL
                WHERE id = :payment_id AND pending_action = 'capture'
                RETURNING id),
            reported AS (
                INSERT INTO events (id, merchant_id, type, object_id, data)
                SELECT :event_id, :merchant_id, :event_type, id, jsonb_build_object('object', CAST(:event_object AS jsonb))
                FROM finished),
            answered AS (
                UPDATE idempotency_keys k
                SET response_status = :response_status, response_body = :response_body,
                    response_location = :response_location
                FROM finished
                WHERE k.merchant_id = :merchant_id AND k.idempotency_key = :idempotency_key
                  AND k.resource_id = finished.id AND k.response_status IS NULL)
            SELECT count(*) AS finished FROM finished""");

    /** A cancel's phase 3, if it is still under way, with its event and the key's answer (as FINISH_CREATES). */
    private static final Sql FINISH_CANCEL = Sql.of("""
            WITH finished AS (
                UPDATE payments
                SET status = 'canceled', amount_capturable = 0, canceled_at = :canceled_at,
                    cancellation_reason = pending_reason,
                    pending_action = NULL, pending_amount = NULL, pending_reason = NULL, pending_key = NULL,
                    pending_since = NULL, attempt_until = NULL
                WHERE id = :payment_id AND pending_action = 'cancel'
                RETURNING id),
            reported AS (
                INSERT INTO events (id, merchant_id, type, object_id, data)
                SELECT :event_id, :merchant_id, :event_type, id, jsonb_build_object('object', CAST(:event_object AS jsonb))
                FROM finished),
            answered AS (
                UPDATE idempotency_keys k
                SET response_status = :response_status, response_body = :response_body,
                    response_location = :response_location
                FROM finished
                WHERE k.merchant_id = :merchant_id AND k.idempotency_key = :idempotency_key
                  AND k.resource_id = finished.id AND k.response_status IS NULL)
            SELECT count(*) AS finished FROM finished""");

    /** The lease of the action under way for this key, taken if it has passed (or was given back). */
    private static final Sql TAKE_ACTION_LEASE = Sql.of("""
            UPDATE payments SET attempt_until = now() + make_interval(secs => :lease_seconds)
            WHERE id = :payment_id AND pending_action IS NOT NULL AND pending_key = :idempotency_key
              AND attempt_until <= now()
            RETURNING *""");

    /** The recovery job's batch of actions left under way, as TAKE_STALE. */
    private static final Sql TAKE_STALE_ACTIONS = Sql.of("""
            UPDATE payments SET attempt_until = now() + make_interval(secs => :lease_seconds)
            WHERE id IN (SELECT id FROM payments
                         WHERE pending_action IS NOT NULL AND pending_since < now() - make_interval(secs => :after_seconds)
                           AND attempt_until <= now()
                         ORDER BY pending_since
                         LIMIT :batch_size
                         FOR UPDATE SKIP LOCKED)
              AND pending_action IS NOT NULL
            RETURNING *""");

    /**
     * The expiry job's batch: authorizations older than the expiry with nothing under way, each
     * started as a cancel (reason abandoned, no key to answer) in the same statement.
     */
    private static final Sql START_EXPIRY_CANCELS = Sql.of("""
            UPDATE payments
            SET pending_action = 'cancel', pending_reason = 'abandoned', pending_since = now(),
                attempt_until = now() + make_interval(secs => :lease_seconds)
            WHERE id IN (SELECT id FROM payments
                         WHERE status = 'requires_capture' AND pending_action IS NULL
                           AND created_at < now() - make_interval(secs => :expiry_seconds)
                         ORDER BY created_at
                         LIMIT :batch_size
                         FOR UPDATE SKIP LOCKED)
              AND status = 'requires_capture' AND pending_action IS NULL
            RETURNING *""");

    private final Database database;
    private final ObjectMapper json;

    private final CombinedStatement<NewPayment, Claim<LeasedPayment>> insertKeysAndPayments;
    private final CombinedStatement<FinishedPayment, Boolean> finishCreates;

    PaymentStore(Database database, ObjectMapper json, DatabaseConfig config) {
        this.database = database;
        this.json = json;
        int atOnce = config.combined().atOnce();
        int maxRows = config.combined().maxRows();
        this.insertKeysAndPayments = new CombinedStatement<>(this::insertKeysAndPayments, atOnce, maxRows);
        this.finishCreates = new CombinedStatement<>(this::finishCreates, atOnce, maxRows);
    }

    /** A create's phase 1 for one payment: see {@link #INSERT_KEYS_AND_PAYMENTS}. Commits by itself. */
    Claim<LeasedPayment> insertKeyAndPayment(KeyedRequest request, Payment payment, Duration lease,
            Duration retention) throws SQLException {
        return insertKeysAndPayments.run(new NewPayment(request, payment, lease, retention));
    }

    /** A create's phase 1, the key and payment of a request. */
    record NewPayment(KeyedRequest request, Payment payment, Duration lease, Duration retention)
            implements CombinedStatement.Row {
        /**
         * Only its own payment: two rows with one key may share a statement (racing requests, one
         * key). The statement claims the key once; the other row finds it taken but cannot read it
         * (TakenUnseen: the claim is newer than the statement's snapshot), and reads it next, as a
         * request racing in a statement of its own would after waiting for the claimer's commit.
         */
        @Override
        public Object writes() {
            return payment.id;
        }
    }

    /** Phase 1 for the rows of one statement (package-private: PaymentStoreTest gives it rows). */
    List<Claim<LeasedPayment>> insertKeysAndPayments(List<NewPayment> rows) throws SQLException {
        Sql.Parameters parameters = Sql.columns(rows)
                .text("payment_ids", row -> row.payment().id)
                .text("merchant_ids", row -> row.payment().merchantId)
                .text("idempotency_keys", row -> row.payment().idempotencyKey)
                .text("request_fingerprints", row -> row.request().fingerprint())
                .bigint("amounts", row -> row.payment().amount)
                .text("currencies", row -> row.payment().currency)
                .text("payment_methods", row -> row.payment().paymentMethod)
                .text("descriptions", row -> row.payment().description)
                .text("metadata", row -> StringMaps.write(json, row.payment().metadata))
                .text("created_at", row -> row.payment().createdAt)
                .text("processor_keys", row -> row.payment().processorKey)
                .text("capture_methods", row -> row.payment().captureMethod)
                .float8("lease_seconds", row -> Database.seconds(row.lease()))
                .float8("retention_seconds", row -> Database.seconds(row.retention()))
                .and("fingerprint_scheme", RequestFingerprint.CURRENT_SCHEME);
        Map<UUID, Payment> payments = new HashMap<>();
        rows.forEach(row -> payments.put(row.payment().id, row.payment()));
        Map<UUID, Claim<LeasedPayment>> claims = new HashMap<>();
        for (Map.Entry<UUID, Claim<LeasedPayment>> claim : database.list(INSERT_KEYS_AND_PAYMENTS, parameters, row -> {
            Payment payment = payments.get(row.getObject("this_payment_id", UUID.class));
            return Map.entry(payment.id, claim(row, payment));
        })) {
            claims.put(claim.getKey(), claim.getValue());
        }
        return rows.stream().map(row -> claims.get(row.payment().id)).toList();
    }

    /** What phase 1 found for a payment's key: claimed (the payment started), taken, or taken unseen. */
    private static Claim<LeasedPayment> claim(ResultSet row, Payment payment) throws SQLException {
        OffsetDateTime leasedUntil = row.getObject("attempt_until", OffsetDateTime.class);
        if (leasedUntil != null) {
            return new Claim.Started<>(new LeasedPayment(payment, leasedUntil));
        }
        return row.getString("request_fingerprint") != null
                ? new Claim.Taken<>(StoredKey.read(row))
                : new Claim.TakenUnseen<>();
    }

    /** A create's phase 3 for one payment: see {@link #FINISH_CREATES}. False if another attempt finished it first. */
    boolean finishCreate(Payment payment, StoredAnswer answer, Event event) throws SQLException {
        return finishCreates.run(new FinishedPayment(payment, answer, event));
    }

    /** A create's phase 3, the outcome, event and answer of a payment. */
    private record FinishedPayment(Payment payment, StoredAnswer answer, Event event) implements CombinedStatement.Row {
        @Override
        public Object writes() {
            return payment.id;
        }
    }

    private List<Boolean> finishCreates(List<FinishedPayment> given) throws SQLException {
        // payments in one order in every statement, so that two never each wait for a row the other holds
        List<FinishedPayment> rows = given.stream().sorted(Comparator.comparing(row -> row.payment().id)).toList();
        Sql.Parameters parameters = Sql.columns(rows)
                .text("payment_ids", row -> row.payment().id)
                .text("statuses", row -> row.payment().status.value())
                .text("decline_codes", row -> row.payment().declineCode)
                .text("failure_codes", row -> row.payment().failureCode)
                .text("processor_charge_ids", row -> row.payment().processorChargeId)
                .bigint("amounts_capturable", row -> row.payment().amountCapturable)
                .bigint("amounts_captured", row -> row.payment().amountCaptured)
                .text("merchant_ids", row -> row.payment().merchantId)
                .text("idempotency_keys", row -> row.payment().idempotencyKey)
                .text("event_ids", row -> row.event().id())
                .text("event_types", row -> row.event().type())
                .text("event_objects", row -> row.event().object())
                .integer("response_statuses", row -> row.answer().status())
                .text("response_bodies", row -> row.answer().body())
                .text("response_locations", row -> row.answer().location())
                .parameters();
        Set<UUID> finished = new HashSet<>(database.list(FINISH_CREATES, parameters,
                row -> row.getObject("finished_payment_id", UUID.class)));
        return given.stream().map(row -> finished.contains(row.payment().id)).toList();
    }

    /** A capture's phase 3: the payment captured for {@code amount}. False if another attempt finished it first. */
    boolean finishCapture(Payment payment, String idempotencyKey, StoredAnswer answer, Event event)
            throws SQLException {
        return finished(FINISH_CAPTURE, Sql.with("payment_id", payment.id)
                .and("amount_captured", payment.amountCaptured), payment.merchantId, idempotencyKey, answer, event);
    }

    /** A cancel's phase 3: the payment canceled, for the reason its cancel was started with. */
    boolean finishCancel(Payment payment, String idempotencyKey, StoredAnswer answer, Event event)
            throws SQLException {
        return finished(FINISH_CANCEL, Sql.with("payment_id", payment.id)
                .and("canceled_at", payment.canceledAt), payment.merchantId, idempotencyKey, answer, event);
    }

    /** A phase 3 statement, its change bound already, with its event and answer; whether it changed the payment. */
    private boolean finished(Sql statement, Sql.Parameters change, String merchantId, String idempotencyKey,
            StoredAnswer answer, Event event) throws SQLException {
        Sql.Parameters parameters = change.and("merchant_id", merchantId)
                .and("idempotency_key", idempotencyKey)
                .and("event_id", event.id())
                .and("event_type", event.type())
                .and("event_object", event.object())
                .and("response_status", answer.status())
                .and("response_body", answer.body())
                .and("response_location", answer.location());
        return database.one(statement, parameters, row -> row.getLong("finished") == 1).orElseThrow();
    }

    /** Whether the merchant has this payment. */
    public boolean exists(String merchantId, UUID paymentId) throws SQLException {
        return database.one(EXISTS, Sql.with("payment_id", paymentId).and("merchant_id", merchantId),
                row -> row.getBoolean("found")).orElseThrow();
    }

    /** The merchant's payment, locked until the end of the transaction; empty if there is none. */
    public Optional<Payment> lock(String merchantId, UUID paymentId) throws SQLException {
        return database.one(LOCK, Sql.with("payment_id", paymentId).and("merchant_id", merchantId),
                row -> leased(row).payment());
    }

    /**
     * An action's phase 1 (in the transaction that locked the payment): the capture or cancel is
     * under way, for the key {@code idempotencyKey}, leased for {@code lease}.
     */
    LeasedPayment startAction(Payment payment, String action, Long amount, String reason, String idempotencyKey,
            Duration lease) throws SQLException {
        return database.one(START_ACTION, Sql.with("payment_id", payment.id)
                        .and("action", action)
                        .and("amount", amount)
                        .and("reason", reason)
                        .and("idempotency_key", idempotencyKey)
                        .and("lease_seconds", Database.seconds(lease)), this::leased)
                .orElseThrow(() -> new IllegalStateException("payment " + payment.id + " changed under its row lock"));
    }

    /** Takes the lease of the action under way for this key if it has passed (or was given back). */
    Optional<LeasedPayment> takeActionLease(UUID paymentId, String idempotencyKey, Duration lease) throws SQLException {
        return database.one(TAKE_ACTION_LEASE, Sql.with("payment_id", paymentId)
                .and("idempotency_key", idempotencyKey)
                .and("lease_seconds", Database.seconds(lease)), this::leased);
    }

    /** Takes the lease of a processing payment whose lease has passed (or was given back); empty if not. */
    Optional<LeasedPayment> takeLease(UUID paymentId, Duration lease) throws SQLException {
        return database.one(TAKE_LEASE, Sql.with("payment_id", paymentId)
                .and("lease_seconds", Database.seconds(lease)), this::leased);
    }

    /**
     * Gives a lease back, only if it is still this attempt's, so that the next attempt (a retry,
     * the recovery job) need not wait for it to pass; if this fails, the lease simply passes.
     */
    void giveBack(LeasedPayment leased) {
        try {
            unchecked(() -> database.update(GIVE_BACK_LEASE, Sql.with("payment_id", leased.payment().id)
                    .and("until", leased.until())));
        } catch (RuntimeException e) {
            LOG.debugf("could not give back the lease of payment %s: %s", leased.payment().id, e.getMessage());
        }
    }

    /** Leases up to {@code limit} payments processing for longer than {@code after}, with no attempt running. */
    List<LeasedPayment> takeStale(Duration after, int limit, Duration lease) throws SQLException {
        return database.list(TAKE_STALE, Sql.with("lease_seconds", Database.seconds(lease))
                .and("after_seconds", Database.seconds(after))
                .and("batch_size", limit), this::leased);
    }

    /** Leases up to {@code limit} payments whose action has been under way for longer than {@code after}, unleased. */
    List<LeasedPayment> takeStaleActions(Duration after, int limit, Duration lease) throws SQLException {
        return database.list(TAKE_STALE_ACTIONS, Sql.with("lease_seconds", Database.seconds(lease))
                .and("after_seconds", Database.seconds(after))
                .and("batch_size", limit), this::leased);
    }

    /** Starts a cancel (abandoned) of up to {@code limit} authorizations older than {@code expiry}. */
    List<LeasedPayment> startExpiryCancels(Duration expiry, int limit, Duration lease) throws SQLException {
        return database.list(START_EXPIRY_CANCELS, Sql.with("lease_seconds", Database.seconds(lease))
                .and("expiry_seconds", Database.seconds(expiry))
                .and("batch_size", limit), this::leased);
    }

    /** What is under way now, and what of it for longer than {@code stuckAfter}. */
    record UnderWay(long now, long stuck) {
    }

    UnderWay countUnderWay(Duration stuckAfter) throws SQLException {
        return database.one(COUNT_UNDER_WAY, Sql.with("stuck_seconds", Database.seconds(stuckAfter)),
                row -> new UnderWay(row.getLong("under_way"), row.getLong("stuck"))).orElseThrow();
    }

    private LeasedPayment leased(ResultSet row) throws SQLException {
        Payment payment = new Payment();
        payment.id = row.getObject("id", UUID.class);
        payment.merchantId = row.getString("merchant_id");
        payment.amount = row.getLong("amount");
        payment.currency = row.getString("currency");
        payment.status = PaymentStatus.of(row.getString("status"));
        payment.declineCode = row.getString("decline_code");
        payment.failureCode = row.getString("failure_code");
        payment.processorChargeId = row.getString("processor_charge_id");
        payment.paymentMethod = row.getString("payment_method");
        payment.description = row.getString("description");
        payment.metadata = StringMaps.read(json, row.getString("metadata"));
        payment.createdAt = row.getObject("created_at", OffsetDateTime.class).toInstant();
        payment.processorKey = row.getString("processor_key");
        payment.idempotencyKey = row.getString("idempotency_key");
        payment.captureMethod = row.getString("capture_method");
        payment.amountCapturable = row.getLong("amount_capturable");
        payment.amountCaptured = row.getLong("amount_captured");
        payment.amountRefunded = row.getLong("amount_refunded");
        payment.amountRefundPending = row.getLong("amount_refund_pending");
        OffsetDateTime canceledAt = row.getObject("canceled_at", OffsetDateTime.class);
        payment.canceledAt = canceledAt == null ? null : canceledAt.toInstant();
        payment.cancellationReason = row.getString("cancellation_reason");
        payment.pendingAction = row.getString("pending_action");
        payment.pendingAmount = row.getObject("pending_amount", Long.class);
        payment.pendingReason = row.getString("pending_reason");
        payment.pendingKey = row.getString("pending_key");
        return new LeasedPayment(payment, row.getObject("attempt_until", OffsetDateTime.class));
    }
}
