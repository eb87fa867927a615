package dev.payments.payment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.database.Database;
import dev.payments.idempotency.IdempotencyKey;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a new payment and the answer for the key that created it, in one statement of the
 * caller's transaction: the payment insert runs as a CTE, the key's answer is the UPDATE. One
 * round trip instead of two matters here: a create is a handful of round trips, and each costs
 * both processes CPU on a busy host (bench/ measures it). Plain JDBC, like
 * {@link dev.payments.idempotency.IdempotencyStore}.
 */
@ApplicationScoped
public class PaymentStore {

    private static final String INSERT_WITH_ANSWER = """
            WITH payment AS (
                INSERT INTO payments (id, merchant_id, amount, currency, status, decline_code,
                                      payment_method, description, metadata, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, CAST(? AS jsonb), ?))
            UPDATE idempotency_keys SET payment_id = ?, response_status = ?, response_body = ?
            WHERE merchant_id = ? AND idempotency_key = ?""";

    private final Database database;
    private final ObjectMapper json;

    PaymentStore(Database database, ObjectMapper json) {
        this.database = database;
        this.json = json;
    }

    public void insertWithAnswer(Payment payment, IdempotencyKey key, int status, String body) throws SQLException {
        try (Connection connection = database.connection();
                PreparedStatement insert = connection.prepareStatement(INSERT_WITH_ANSWER)) {
            insert.setObject(1, payment.id);
            insert.setString(2, payment.merchantId);
            insert.setLong(3, payment.amount);
            insert.setString(4, payment.currency);
            insert.setString(5, payment.status.value());
            insert.setString(6, payment.declineCode);
            insert.setString(7, payment.paymentMethod);
            insert.setString(8, payment.description);
            insert.setString(9, metadataJson(payment.metadata));
            insert.setObject(10, payment.createdAt.atOffset(ZoneOffset.UTC));
            insert.setObject(11, payment.id);
            insert.setInt(12, status);
            insert.setString(13, body);
            insert.setString(14, payment.merchantId);
            insert.setString(15, key.value());
            // the key row was claimed by this transaction: anything but one row means it is gone or not ours
            int updated = insert.executeUpdate();
            if (updated != 1) {
                throw new IllegalStateException("storing the answer of key " + key + " updated " + updated + " rows, not 1");
            }
        }
    }

    private String metadataJson(Map<String, String> metadata) {
        try {
            return json.writeValueAsString(new TreeMap<>(metadata));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize metadata", e);
        }
    }
}
