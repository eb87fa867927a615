package dev.payments.refund;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.Database;
import dev.payments.idempotency.IdempotencyStore;
import dev.payments.json.StringMaps;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The SQL of a refund's phases, plain JDBC like the payment's. The refund's lease
 * ({@code attempt_until}) works as a payment's; its amount is held back on the payment by the
 * table's trigger, which is what keeps concurrent refunds within what was captured.
 */
@ApplicationScoped
public class RefundStore {

    /** The refund's columns, and its payment's charge (what a processor refund names). */
    private static final String COLUMNS = """
            r.id, r.payment_id, r.merchant_id, r.amount, r.currency, r.status, r.reason, r.metadata, r.created_at,
            r.processor_key, r.idempotency_key, r.attempt_until, p.processor_charge_id""";

    /** Phase 1, after the payment's row lock: the refund, pending, leased to this attempt. */
    private static final String INSERT_PENDING = """
            INSERT INTO refunds (id, payment_id, merchant_id, amount, currency, status, reason, metadata, created_at,
                                 processor_key, idempotency_key, attempt_until)
            VALUES (?, ?, ?, ?, ?, 'pending', ?, CAST(? AS jsonb), ?, ?, ?, now() + make_interval(secs => ?))
            RETURNING attempt_until""";

    /** Phase 3: the outcome, if the refund is still pending (IdempotencyStore.Completion). */
    private static final String FINISH = """
            UPDATE refunds SET status = ?, processor_refund_id = ?, failure_code = ?, finished_at = now(),
                               attempt_until = NULL
            WHERE id = ? AND status = 'pending'
            RETURNING id AS resource_id""";

    private static final String TAKE_LEASE = """
            UPDATE refunds r SET attempt_until = now() + make_interval(secs => ?)
            FROM payments p
            WHERE r.id = ? AND r.status = 'pending' AND r.attempt_until <= now() AND p.id = r.payment_id
            RETURNING""" + " " + COLUMNS;

    private static final String GIVE_BACK_LEASE = "UPDATE refunds SET attempt_until = now() WHERE id = ? AND attempt_until = ?";

    /** The recovery job's batch of refunds pending for too long with no attempt running; see PaymentStore. */
    private static final String TAKE_STALE = """
            UPDATE refunds r SET attempt_until = now() + make_interval(secs => ?)
            FROM payments p
            WHERE r.id IN (SELECT id FROM refunds
                           WHERE status = 'pending' AND created_at < now() - make_interval(secs => ?)
                             AND attempt_until <= now()
                           ORDER BY created_at
                           LIMIT ?
                           FOR UPDATE SKIP LOCKED)
              AND r.status = 'pending' AND p.id = r.payment_id
            RETURNING""" + " " + COLUMNS;

    private final Database database;
    private final ObjectMapper json;

    RefundStore(Database database, ObjectMapper json) {
        this.database = database;
        this.json = json;
    }

    /** A lease on a pending refund: the attempt that holds it, until when, and the charge it refunds. */
    public record Leased(Refund refund, String chargeId, OffsetDateTime until) {
    }

    /**
     * Phase 1, in the transaction that holds the payment's row lock: the refund, pending and
     * leased for {@code lease}; its amount is held back on the payment (the trigger), or the
     * insert fails if that would exceed what was captured.
     */
    public Leased insertPending(Refund refund, String chargeId, Duration lease) throws SQLException {
        return database.one(INSERT_PENDING, row -> new Leased(refund, chargeId, row.getObject(1, OffsetDateTime.class)),
                refund.id, refund.paymentId, refund.merchantId, refund.amount, refund.currency, refund.reason,
                StringMaps.write(json, refund.metadata), refund.createdAt.atOffset(ZoneOffset.UTC), refund.processorKey,
                refund.idempotencyKey, Database.seconds(lease)).orElseThrow();
    }

    /** Phase 3, as the completion of the refund's key. */
    public IdempotencyStore.Completion finished(Refund refund, IdempotencyStore.Event event) {
        return IdempotencyStore.Completion.of(FINISH, event, (finish, from) -> {
            finish.setString(from, refund.status);
            finish.setString(from + 1, refund.processorRefundId);
            finish.setString(from + 2, refund.failureCode);
            finish.setObject(from + 3, refund.id);
            return from + 4;
        });
    }

    /** Takes the lease of a pending refund whose lease has passed (or was given back); empty if not. */
    public Optional<Leased> takeLease(UUID refundId, Duration lease) throws SQLException {
        return database.one(TAKE_LEASE, this::leased, Database.seconds(lease), refundId);
    }

    /** Gives a lease back, only if it is still this attempt's. */
    public void giveBack(Leased lease) throws SQLException {
        database.update(GIVE_BACK_LEASE, lease.refund().id, lease.until());
    }

    /** Leases up to {@code limit} refunds pending for longer than {@code after}, with no attempt running. */
    public List<Leased> takeStale(Duration after, int limit, Duration lease) throws SQLException {
        return database.list(TAKE_STALE, this::leased, Database.seconds(lease), Database.seconds(after), limit);
    }

    private Leased leased(ResultSet row) throws SQLException {
        Refund refund = new Refund();
        refund.id = row.getObject("id", UUID.class);
        refund.paymentId = row.getObject("payment_id", UUID.class);
        refund.merchantId = row.getString("merchant_id");
        refund.amount = row.getLong("amount");
        refund.currency = row.getString("currency");
        refund.status = row.getString("status");
        refund.reason = row.getString("reason");
        refund.metadata = StringMaps.read(json, row.getString("metadata"));
        refund.createdAt = row.getObject("created_at", OffsetDateTime.class).toInstant();
        refund.processorKey = row.getString("processor_key");
        refund.idempotencyKey = row.getString("idempotency_key");
        return new Leased(refund, row.getString("processor_charge_id"), row.getObject("attempt_until", OffsetDateTime.class));
    }
}
