package dev.payments.refund;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.Database;
import dev.payments.idempotency.IdempotencyStore;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
        try (Connection connection = database.connection();
                PreparedStatement insert = connection.prepareStatement(INSERT_PENDING)) {
            insert.setObject(1, refund.id);
            insert.setObject(2, refund.paymentId);
            insert.setString(3, refund.merchantId);
            insert.setLong(4, refund.amount);
            insert.setString(5, refund.currency);
            insert.setString(6, refund.reason);
            insert.setString(7, metadataJson(refund.metadata));
            insert.setObject(8, refund.createdAt.atOffset(ZoneOffset.UTC));
            insert.setString(9, refund.processorKey);
            insert.setString(10, refund.idempotencyKey);
            insert.setDouble(11, lease.toMillis() / 1000.0);
            try (ResultSet row = insert.executeQuery()) {
                row.next();
                return new Leased(refund, chargeId, row.getObject(1, OffsetDateTime.class));
            }
        }
    }

    /** Phase 3, as the completion of the refund's key. */
    public IdempotencyStore.Completion finished(Refund refund) {
        return new IdempotencyStore.Completion() {
            @Override
            public String update() {
                return FINISH;
            }

            @Override
            public int bind(PreparedStatement finish, int from) throws SQLException {
                finish.setString(from, refund.status);
                finish.setString(from + 1, refund.processorRefundId);
                finish.setString(from + 2, refund.failureCode);
                finish.setObject(from + 3, refund.id);
                return from + 4;
            }
        };
    }

    /** Takes the lease of a pending refund whose lease has passed (or was given back); empty if not. */
    public Optional<Leased> takeLease(UUID refundId, Duration lease) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement take = connection.prepareStatement(TAKE_LEASE)) {
            take.setDouble(1, lease.toMillis() / 1000.0);
            take.setObject(2, refundId);
            try (ResultSet row = take.executeQuery()) {
                return row.next() ? Optional.of(leased(row)) : Optional.empty();
            }
        }
    }

    /** Gives a lease back, only if it is still this attempt's. */
    public void giveBack(Leased lease) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement giveBack = connection.prepareStatement(GIVE_BACK_LEASE)) {
            giveBack.setObject(1, lease.refund().id);
            giveBack.setObject(2, lease.until());
            giveBack.executeUpdate();
        }
    }

    /** Leases up to {@code limit} refunds pending for longer than {@code after}, with no attempt running. */
    public List<Leased> takeStale(Duration after, int limit, Duration lease) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement take = connection.prepareStatement(TAKE_STALE)) {
            take.setDouble(1, lease.toMillis() / 1000.0);
            take.setDouble(2, after.toMillis() / 1000.0);
            take.setInt(3, limit);
            List<Leased> taken = new ArrayList<>();
            try (ResultSet row = take.executeQuery()) {
                while (row.next()) {
                    taken.add(leased(row));
                }
            }
            return taken;
        }
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
        refund.metadata = metadata(row.getString("metadata"));
        refund.createdAt = row.getObject("created_at", OffsetDateTime.class).toInstant();
        refund.processorKey = row.getString("processor_key");
        refund.idempotencyKey = row.getString("idempotency_key");
        return new Leased(refund, row.getString("processor_charge_id"), row.getObject("attempt_until", OffsetDateTime.class));
    }

    private String metadataJson(Map<String, String> metadata) {
        try {
            return json.writeValueAsString(new TreeMap<>(metadata));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize metadata", e);
        }
    }

    private Map<String, String> metadata(String stored) {
        try {
            return json.readValue(stored, new TypeReference<TreeMap<String, String>>() {
            });
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot read stored metadata", e);
        }
    }
}
