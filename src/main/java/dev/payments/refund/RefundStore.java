package dev.payments.refund;

import static dev.payments.database.DatabaseException.unchecked;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.Database;
import dev.payments.database.Sql;
import dev.payments.event.Event;
import dev.payments.idempotency.StoredAnswer;
import dev.payments.json.StringMaps;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.jboss.logging.Logger;

/**
 * The statements of a refund's phases, whole and with named parameters, like the payment's
 * (PaymentStore). A refund's amount is held back on its payment by the refunds table's trigger,
 * which is what keeps concurrent refunds within what was captured.
 */
@ApplicationScoped
public class RefundStore {

    private static final Logger LOG = Logger.getLogger(RefundStore.class);

    /**
     * Phase 1, after the payment's row lock and the key's claim, in their transaction: the refund,
     * pending, leased to this attempt. The trigger holds its amount back on the payment, or refuses
     * the insert if that would exceed what was captured.
     */
    private static final Sql INSERT_PENDING = Sql.of("""
            INSERT INTO refunds (id, payment_id, merchant_id, amount, currency, status, reason, metadata, created_at,
                                 processor_key, idempotency_key, attempt_until)
            VALUES (:refund_id, :payment_id, :merchant_id, :amount, :currency, 'pending', :reason, CAST(:metadata AS jsonb),
                    :created_at, :processor_key, :idempotency_key, now() + make_interval(secs => :lease_seconds))
            RETURNING attempt_until""");

    /**
     * Phase 3: the outcome, only if the refund is still pending, and only then its event and the
     * key's answer, in one statement (as a payment's).
     */
    private static final Sql FINISH = Sql.of("""
            WITH finished AS (
                UPDATE refunds
                SET status = :status, processor_refund_id = :processor_refund_id, failure_code = :failure_code,
                    finished_at = now(), attempt_until = NULL
                WHERE id = :refund_id AND status = 'pending'
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

    /** A pending refund's lease, taken if it has passed (or was given back), with its payment's charge. */
    private static final Sql TAKE_LEASE = Sql.of("""
            UPDATE refunds r SET attempt_until = now() + make_interval(secs => :lease_seconds)
            FROM payments p
            WHERE r.id = :refund_id AND r.status = 'pending' AND r.attempt_until <= now() AND p.id = r.payment_id
            RETURNING r.*, p.processor_charge_id""");

    private static final Sql GIVE_BACK_LEASE = Sql.of("""
            UPDATE refunds SET attempt_until = now() WHERE id = :refund_id AND attempt_until = :until""");

    /** The recovery job's batch of refunds pending too long with no attempt running (as PaymentStore's). */
    private static final Sql TAKE_STALE = Sql.of("""
            UPDATE refunds r SET attempt_until = now() + make_interval(secs => :lease_seconds)
            FROM payments p
            WHERE r.id IN (SELECT id FROM refunds
                           WHERE status = 'pending' AND created_at < now() - make_interval(secs => :after_seconds)
                             AND attempt_until <= now()
                           ORDER BY created_at
                           LIMIT :batch_size
                           FOR UPDATE SKIP LOCKED)
              AND r.status = 'pending' AND p.id = r.payment_id
            RETURNING r.*, p.processor_charge_id""");

    private final Database database;
    private final ObjectMapper json;

    RefundStore(Database database, ObjectMapper json) {
        this.database = database;
        this.json = json;
    }

    /** Phase 1: see {@link #INSERT_PENDING}. */
    LeasedRefund insertPending(Refund refund, String chargeId, Duration lease) throws SQLException {
        return database.one(INSERT_PENDING, Sql.with("refund_id", refund.id)
                        .and("payment_id", refund.paymentId)
                        .and("merchant_id", refund.merchantId)
                        .and("amount", refund.amount)
                        .and("currency", refund.currency)
                        .and("reason", refund.reason)
                        .and("metadata", StringMaps.write(json, refund.metadata))
                        .and("created_at", refund.createdAt)
                        .and("processor_key", refund.processorKey)
                        .and("idempotency_key", refund.idempotencyKey)
                        .and("lease_seconds", Database.seconds(lease)),
                row -> new LeasedRefund(refund, chargeId, row.getObject("attempt_until", OffsetDateTime.class)))
                .orElseThrow();
    }

    /** Phase 3: see {@link #FINISH}. False if another attempt finished the refund first. */
    boolean finish(Refund refund, StoredAnswer answer, Event event) throws SQLException {
        return database.one(FINISH, Sql.with("refund_id", refund.id)
                .and("status", refund.status.value())
                .and("processor_refund_id", refund.processorRefundId)
                .and("failure_code", refund.failureCode)
                .and("merchant_id", refund.merchantId)
                .and("idempotency_key", refund.idempotencyKey)
                .and("event_id", event.id())
                .and("event_type", event.type())
                .and("event_object", event.object())
                .and("response_status", answer.status())
                .and("response_body", answer.body())
                .and("response_location", answer.location()), row -> row.getLong("finished") == 1).orElseThrow();
    }

    /** Takes the lease of a pending refund whose lease has passed (or was given back); empty if not. */
    Optional<LeasedRefund> takeLease(UUID refundId, Duration lease) throws SQLException {
        return database.one(TAKE_LEASE, Sql.with("refund_id", refundId).and("lease_seconds", Database.seconds(lease)),
                this::leased);
    }

    /** Gives a lease back, only if it is still this attempt's; if this fails, the lease simply passes. */
    void giveBack(LeasedRefund leased) {
        try {
            unchecked(() -> database.update(GIVE_BACK_LEASE, Sql.with("refund_id", leased.refund().id)
                    .and("until", leased.until())));
        } catch (RuntimeException e) {
            LOG.debugf("could not give back the lease of refund %s: %s", leased.refund().id, e.getMessage());
        }
    }

    /** Leases up to {@code limit} refunds pending for longer than {@code after}, with no attempt running. */
    List<LeasedRefund> takeStale(Duration after, int limit, Duration lease) throws SQLException {
        return database.list(TAKE_STALE, Sql.with("lease_seconds", Database.seconds(lease))
                .and("after_seconds", Database.seconds(after))
                .and("batch_size", limit), this::leased);
    }

    private LeasedRefund leased(ResultSet row) throws SQLException {
        Refund refund = new Refund();
        refund.id = row.getObject("id", UUID.class);
        refund.paymentId = row.getObject("payment_id", UUID.class);
        refund.merchantId = row.getString("merchant_id");
        refund.amount = row.getLong("amount");
        refund.currency = row.getString("currency");
        refund.status = RefundStatus.of(row.getString("status"));
        refund.reason = row.getString("reason");
        refund.metadata = StringMaps.read(json, row.getString("metadata"));
        refund.createdAt = row.getObject("created_at", OffsetDateTime.class).toInstant();
        refund.processorKey = row.getString("processor_key");
        refund.idempotencyKey = row.getString("idempotency_key");
        return new LeasedRefund(refund, row.getString("processor_charge_id"),
                row.getObject("attempt_until", OffsetDateTime.class));
    }
}
