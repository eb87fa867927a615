package dev.payments.payment;

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
            created_at, processor_key, processor_charge_id, idempotency_key, attempt_until""";

    /**
     * Phase 1's payment, created by the claim's own statement (IdempotencyStore.Creation): inserted
     * only if the key was claimed, processing, leased to this attempt.
     */
    private static final String INSERT_PROCESSING = """
            INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, description, metadata,
                                  created_at, processor_key, idempotency_key, attempt_until)
            SELECT resource_id, ?, ?, ?, 'processing', ?, ?, CAST(? AS jsonb), ?, ?, ?, now() + make_interval(secs => ?)
            FROM claimed
            RETURNING attempt_until AS created""";

    /** Phase 3: the outcome, if the payment is still processing, and the answer on its key. */
    private static final String FINISH = """
            WITH finished AS (
                UPDATE payments SET status = ?, decline_code = ?, processor_charge_id = ?, finished_at = now(),
                                    attempt_until = NULL
                WHERE id = ? AND status = 'processing'
                RETURNING id, merchant_id, idempotency_key),
            answered AS (
                UPDATE idempotency_keys k SET response_status = ?, response_body = ?
                FROM finished f
                WHERE k.merchant_id = f.merchant_id AND k.idempotency_key = f.idempotency_key
                  AND k.payment_id = f.id AND k.response_status IS NULL
                RETURNING 1)
            SELECT (SELECT count(*) FROM finished), (SELECT count(*) FROM answered)""";

    private static final String TAKE_LEASE = """
            UPDATE payments SET attempt_until = now() + make_interval(secs => ?)
            WHERE id = ? AND status = 'processing' AND attempt_until <= now()
            RETURNING""" + " " + COLUMNS;

    private static final String GIVE_BACK_LEASE = """
            UPDATE payments SET attempt_until = now()
            WHERE id = ? AND status = 'processing' AND attempt_until = ?""";

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

    private static final String COUNT_PROCESSING = """
            SELECT count(*), count(*) FILTER (WHERE created_at < now() - make_interval(secs => ?))
            FROM payments WHERE status = 'processing'""";

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
        String metadata = metadataJson(payment.metadata);
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
                insert.setDouble(from + 9, lease.toMillis() / 1000.0);
                return from + 10;
            }

            @Override
            public Leased created(ResultSet row, int column) throws SQLException {
                return new Leased(payment, row.getObject(column, OffsetDateTime.class));
            }
        };
    }

    /**
     * Phase 3: records the outcome and stores the answer on the payment's key, in one statement.
     * False if the payment was no longer processing: another attempt finished it first, and its
     * outcome stands.
     */
    public boolean finish(UUID paymentId, PaymentStatus status, String declineCode, String chargeId, int answerStatus,
            String answerBody) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement finish = connection.prepareStatement(FINISH)) {
            finish.setString(1, status.value());
            finish.setString(2, declineCode);
            finish.setString(3, chargeId);
            finish.setObject(4, paymentId);
            finish.setInt(5, answerStatus);
            finish.setString(6, answerBody);
            try (ResultSet row = finish.executeQuery()) {
                row.next();
                // a finished payment whose key is gone (expired and purged) has no answer to store
                return row.getLong(1) == 1;
            }
        }
    }

    /** Takes the lease of a processing payment whose lease has passed (or was given back); empty if not. */
    public Optional<Leased> takeLease(UUID paymentId, Duration lease) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement take = connection.prepareStatement(TAKE_LEASE)) {
            take.setDouble(1, lease.toMillis() / 1000.0);
            take.setObject(2, paymentId);
            try (ResultSet row = take.executeQuery()) {
                return row.next() ? Optional.of(leased(row)) : Optional.empty();
            }
        }
    }

    /**
     * Gives a lease back, so that the next attempt (a retry, the recovery job) need not wait for it
     * to pass; only if it is still this attempt's.
     */
    public void giveBack(Leased lease) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement giveBack = connection.prepareStatement(GIVE_BACK_LEASE)) {
            giveBack.setObject(1, lease.payment().id);
            giveBack.setObject(2, lease.until());
            giveBack.executeUpdate();
        }
    }

    /** Leases up to {@code limit} payments processing for longer than {@code after}, with no attempt running. */
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

    /** Payments processing now, and those of them older than {@code stuckAfter}. */
    public long[] countProcessing(Duration stuckAfter) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement count = connection.prepareStatement(COUNT_PROCESSING)) {
            count.setDouble(1, stuckAfter.toSeconds());
            try (ResultSet row = count.executeQuery()) {
                row.next();
                return new long[] {row.getLong(1), row.getLong(2)};
            }
        }
    }

    private Leased leased(ResultSet row) throws SQLException {
        Payment payment = new Payment();
        payment.id = row.getObject("id", UUID.class);
        payment.merchantId = row.getString("merchant_id");
        payment.amount = row.getLong("amount");
        payment.currency = row.getString("currency");
        payment.status = PaymentStatus.PROCESSING;
        payment.paymentMethod = row.getString("payment_method");
        payment.description = row.getString("description");
        payment.metadata = metadata(row.getString("metadata"));
        payment.createdAt = row.getObject("created_at", OffsetDateTime.class).toInstant();
        payment.processorKey = row.getString("processor_key");
        payment.idempotencyKey = row.getString("idempotency_key");
        return new Leased(payment, row.getObject("attempt_until", OffsetDateTime.class));
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
