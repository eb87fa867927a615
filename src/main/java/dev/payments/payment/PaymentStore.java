package dev.payments.payment;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.Database;
import dev.payments.idempotency.IdempotencyStore;
import dev.payments.json.StringMaps;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of the payment's phases. Each phase is one statement (a CTE where two tables change
 * together) committing by itself, so a create is two round trips and two commits: each round trip
 * costs both processes CPU on a busy host (bench/ measures it). Plain JDBC, like
 * {@link dev.payments.idempotency.IdempotencyStore}.
 *
 * <p>The lease ({@code attempt_until}) says until when an attempt at the processor call may still be
 * running; only its holder calls the processor, and it is taken by a conditional UPDATE, so with
 * many instances one attempt at a time holds it.
 */
@ApplicationScoped
public class PaymentStore {

    private static final String COLUMNS = """
            id, merchant_id, amount, currency, status, decline_code, payment_method, description, metadata,
            created_at, processor_key, processor_charge_id, idempotency_key, attempt_until, capture_method,
            amount_capturable, amount_captured, amount_refunded, amount_refund_pending, canceled_at,
            cancellation_reason, pending_action, pending_amount, pending_reason, pending_key""";

    /**
     * Phase 1's payment, created by the claim's own statement (IdempotencyStore.Creation): inserted
     * only if the key was claimed, processing, leased to this attempt.
     */
    private static final String INSERT_PROCESSING = """
            INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, description, metadata,
                                  created_at, processor_key, idempotency_key, capture_method, attempt_until)
            SELECT resource_id, ?, ?, ?, 'processing', ?, ?, CAST(? AS jsonb), ?, ?, ?, ?, now() + make_interval(secs => ?)
            FROM claimed
            RETURNING attempt_until AS created""";

    /** A create's phase 3: the outcome, if the payment is still processing (IdempotencyStore.Completion). */
    private static final String FINISH = """
            UPDATE payments SET status = ?, decline_code = ?, processor_charge_id = ?, amount_capturable = ?,
                                amount_captured = ?, finished_at = now(), attempt_until = NULL
            WHERE id = ? AND status = 'processing'
            RETURNING id AS resource_id""";

    private static final String TAKE_LEASE = """
            UPDATE payments SET attempt_until = now() + make_interval(secs => ?)
            WHERE id = ? AND status = 'processing' AND attempt_until <= now()
            RETURNING""" + " " + COLUMNS;

    private static final String GIVE_BACK_LEASE = """
            UPDATE payments SET attempt_until = now()
            WHERE id = ? AND attempt_until = ?""";

    /**
     * The recovery job's batch: payments processing for longer than the bound, not leased (no
     * attempt running), leased to the job in the same statement. SKIP LOCKED: an instance passes
     * over the rows another instance is taking right now.
     */
    private static final String TAKE_STALE = """
            UPDATE payments SET attempt_until = now() + make_interval(secs => ?)
            WHERE id IN (SELECT id FROM payments
                         WHERE status = 'processing' AND created_at < now() - make_interval(secs => ?)
                           AND attempt_until <= now()
                         ORDER BY created_at
                         LIMIT ?
                         FOR UPDATE SKIP LOCKED)
              AND status = 'processing'
            RETURNING""" + " " + COLUMNS;

    /** Everything under way (creates, actions, refunds), and what of it is older than the stuck bound. */
    private static final String COUNT_PROCESSING = """
            SELECT (SELECT count(*) FROM payments WHERE status = 'processing' OR pending_action IS NOT NULL)
                 + (SELECT count(*) FROM refunds WHERE status = 'pending'),
                   (SELECT count(*) FROM payments
                    WHERE (status = 'processing' AND created_at < now() - make_interval(secs => ?))
                       OR pending_since < now() - make_interval(secs => ?))
                 + (SELECT count(*) FROM refunds
                    WHERE status = 'pending' AND created_at < now() - make_interval(secs => ?))""";

    /**
     * An action's or a refund's phase 1 reads the payment under its row lock: concurrent actions and
     * refunds on one payment queue here. NO KEY UPDATE, not UPDATE: the claim before it has taken the
     * KEY SHARE lock that the key row's foreign key takes on the payment, and FOR UPDATE would wait on
     * every other claimer's, who wait on ours (a deadlock). No key column of a payment ever changes.
     */
    private static final String LOCK = "SELECT " + COLUMNS + " FROM payments WHERE id = ? AND merchant_id = ? FOR NO KEY UPDATE";

    private static final String START_ACTION = """
            UPDATE payments SET pending_action = ?, pending_amount = ?, pending_reason = ?, pending_key = ?,
                                pending_since = now(), attempt_until = now() + make_interval(secs => ?)
            WHERE id = ? AND status = 'requires_capture' AND pending_action IS NULL
            RETURNING attempt_until""";

    /** A capture's phase 3, if it is still under way. */
    private static final String FINISH_CAPTURE = """
            UPDATE payments SET status = 'succeeded', amount_capturable = 0, amount_captured = ?,
                                pending_action = NULL, pending_amount = NULL, pending_reason = NULL, pending_key = NULL,
                                pending_since = NULL, attempt_until = NULL
            WHERE id = ? AND pending_action = 'capture'
            RETURNING id AS resource_id""";

    /** A cancel's phase 3, if it is still under way. */
    private static final String FINISH_CANCEL = """
            UPDATE payments SET status = 'canceled', amount_capturable = 0, canceled_at = ?,
                                cancellation_reason = pending_reason,
                                pending_action = NULL, pending_amount = NULL, pending_reason = NULL, pending_key = NULL,
                                pending_since = NULL, attempt_until = NULL
            WHERE id = ? AND pending_action = 'cancel'
            RETURNING id AS resource_id""";

    private static final String TAKE_ACTION_LEASE = """
            UPDATE payments SET attempt_until = now() + make_interval(secs => ?)
            WHERE id = ? AND pending_action IS NOT NULL AND pending_key = ? AND attempt_until <= now()
            RETURNING""" + " " + COLUMNS;

    /** The recovery job's batch of actions left under way, as TAKE_STALE. */
    private static final String TAKE_STALE_ACTIONS = """
            UPDATE payments SET attempt_until = now() + make_interval(secs => ?)
            WHERE id IN (SELECT id FROM payments
                         WHERE pending_action IS NOT NULL AND pending_since < now() - make_interval(secs => ?)
                           AND attempt_until <= now()
                         ORDER BY pending_since
                         LIMIT ?
                         FOR UPDATE SKIP LOCKED)
              AND pending_action IS NOT NULL
            RETURNING""" + " " + COLUMNS;

    /**
     * The expiry job's batch: authorizations older than the expiry with nothing under way, each
     * started as a cancel (reason abandoned, no key to answer) in the same statement.
     */
    private static final String START_EXPIRY_CANCELS = """
            UPDATE payments SET pending_action = 'cancel', pending_reason = 'abandoned', pending_since = now(),
                                attempt_until = now() + make_interval(secs => ?)
            WHERE id IN (SELECT id FROM payments
                         WHERE status = 'requires_capture' AND pending_action IS NULL
                           AND created_at < now() - make_interval(secs => ?)
                         ORDER BY created_at
                         LIMIT ?
                         FOR UPDATE SKIP LOCKED)
              AND status = 'requires_capture' AND pending_action IS NULL
            RETURNING""" + " " + COLUMNS;

    private final Database database;
    private final ObjectMapper json;

    PaymentStore(Database database, ObjectMapper json) {
        this.database = database;
        this.json = json;
    }

    /** A lease on a processing payment: the attempt that holds it, until when. */
    public record Leased(Payment payment, OffsetDateTime until) {
    }

    /** Phase 1: the payment, processing and leased for {@code lease}, as what its key's claim creates. */
    public IdempotencyStore.Creation<Leased> processing(Payment payment, Duration lease) {
        String metadata = StringMaps.write(json, payment.metadata);
        return new IdempotencyStore.Creation<>() {
            @Override
            public UUID id() {
                return payment.id;
            }

            @Override
            public String insert() {
                return INSERT_PROCESSING;
            }

            @Override
            public int bind(PreparedStatement insert, int from) throws SQLException {
                insert.setString(from, payment.merchantId);
                insert.setLong(from + 1, payment.amount);
                insert.setString(from + 2, payment.currency);
                insert.setString(from + 3, payment.paymentMethod);
                insert.setString(from + 4, payment.description);
                insert.setString(from + 5, metadata);
                insert.setObject(from + 6, payment.createdAt.atOffset(ZoneOffset.UTC));
                insert.setString(from + 7, payment.processorKey);
                insert.setString(from + 8, payment.idempotencyKey);
                insert.setString(from + 9, payment.captureMethod);
                insert.setDouble(from + 10, Database.seconds(lease));
                return from + 11;
            }

            @Override
            public Leased created(ResultSet row, int column) throws SQLException {
                return new Leased(payment, row.getObject(column, OffsetDateTime.class));
            }
        };
    }

    /** A create's phase 3, as the completion of its key: the payment as the outcome leaves it. */
    public IdempotencyStore.Completion finished(Payment payment, IdempotencyStore.Event event) {
        return IdempotencyStore.Completion.of(FINISH, event, (finish, from) -> {
            finish.setString(from, payment.status.value());
            finish.setString(from + 1, payment.declineCode);
            finish.setString(from + 2, payment.processorChargeId);
            finish.setLong(from + 3, payment.amountCapturable);
            finish.setLong(from + 4, payment.amountCaptured);
            finish.setObject(from + 5, payment.id);
            return from + 6;
        });
    }

    /** A capture's phase 3: the payment captured for {@code amount}. */
    public IdempotencyStore.Completion captured(UUID paymentId, long amount, IdempotencyStore.Event event) {
        return IdempotencyStore.Completion.of(FINISH_CAPTURE, event, (finish, from) -> {
            finish.setLong(from, amount);
            finish.setObject(from + 1, paymentId);
            return from + 2;
        });
    }

    /** A cancel's phase 3: the payment canceled at {@code at}, for the reason its cancel was started with. */
    public IdempotencyStore.Completion canceled(UUID paymentId, Instant at, IdempotencyStore.Event event) {
        return IdempotencyStore.Completion.of(FINISH_CANCEL, event, (finish, from) -> {
            finish.setObject(from, at.atOffset(ZoneOffset.UTC));
            finish.setObject(from + 1, paymentId);
            return from + 2;
        });
    }

    /** The merchant's payment, locked until the end of the transaction; empty if there is none. */
    public Optional<Payment> lock(String merchantId, UUID paymentId) throws SQLException {
        return database.one(LOCK, row -> leased(row).payment(), paymentId, merchantId);
    }

    /**
     * An action's phase 1 (in the transaction that locked the payment): the capture or cancel is
     * under way, for the key {@code idempotencyKey}, leased for {@code lease}.
     */
    public Leased startAction(Payment payment, String action, Long amount, String reason, String idempotencyKey,
            Duration lease) throws SQLException {
        OffsetDateTime until = database.one(START_ACTION, row -> row.getObject(1, OffsetDateTime.class),
                        action, amount, reason, idempotencyKey, Database.seconds(lease), payment.id)
                .orElseThrow(() -> new IllegalStateException("payment " + payment.id + " changed under its row lock"));
        payment.pendingAction = action;
        payment.pendingAmount = amount;
        payment.pendingReason = reason;
        payment.pendingKey = idempotencyKey;
        return new Leased(payment, until);
    }

    /** Takes the lease of the action under way for this key if it has passed (or was given back). */
    public Optional<Leased> takeActionLease(UUID paymentId, String idempotencyKey, Duration lease) throws SQLException {
        return database.one(TAKE_ACTION_LEASE, this::leased, Database.seconds(lease), paymentId, idempotencyKey);
    }

    /** Takes the lease of a processing payment whose lease has passed (or was given back); empty if not. */
    public Optional<Leased> takeLease(UUID paymentId, Duration lease) throws SQLException {
        return database.one(TAKE_LEASE, this::leased, Database.seconds(lease), paymentId);
    }

    /**
     * Gives a lease back, so that the next attempt (a retry, the recovery job) need not wait for it
     * to pass; only if it is still this attempt's.
     */
    public void giveBack(Leased lease) throws SQLException {
        database.update(GIVE_BACK_LEASE, lease.payment().id, lease.until());
    }

    /** Leases up to {@code limit} payments processing for longer than {@code after}, with no attempt running. */
    public List<Leased> takeStale(Duration after, int limit, Duration lease) throws SQLException {
        return database.list(TAKE_STALE, this::leased, Database.seconds(lease), Database.seconds(after), limit);
    }

    /** Leases up to {@code limit} payments whose action has been under way for longer than {@code after}, unleased. */
    public List<Leased> takeStaleActions(Duration after, int limit, Duration lease) throws SQLException {
        return database.list(TAKE_STALE_ACTIONS, this::leased, Database.seconds(lease), Database.seconds(after), limit);
    }

    /** Starts a cancel (abandoned) of up to {@code limit} authorizations older than {@code expiry}. */
    public List<Leased> startExpiryCancels(Duration expiry, int limit, Duration lease) throws SQLException {
        return database.list(START_EXPIRY_CANCELS, this::leased, Database.seconds(lease), Database.seconds(expiry), limit);
    }

    /**
     * Payments processing or with an action under way, and refunds pending, now; and those of them
     * older than {@code stuckAfter}.
     */
    public long[] countProcessing(Duration stuckAfter) throws SQLException {
        double stuck = Database.seconds(stuckAfter);
        return database.one(COUNT_PROCESSING, row -> new long[] {row.getLong(1), row.getLong(2)}, stuck, stuck, stuck)
                .orElseThrow();
    }

    private Leased leased(ResultSet row) throws SQLException {
        Payment payment = new Payment();
        payment.id = row.getObject("id", UUID.class);
        payment.merchantId = row.getString("merchant_id");
        payment.amount = row.getLong("amount");
        payment.currency = row.getString("currency");
        payment.status = PaymentStatus.of(row.getString("status"));
        payment.declineCode = row.getString("decline_code");
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
        return new Leased(payment, row.getObject("attempt_until", OffsetDateTime.class));
    }
}
