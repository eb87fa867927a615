package dev.payments.payment;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.idempotency.IdempotencyKey;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.EntityManager;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a new payment and the answer for the key that created it, in one statement of the
 * caller's transaction: the payment insert runs as a CTE, the key's answer is the UPDATE. One
 * round trip instead of two matters here: a create is a handful of round trips, and each costs
 * both processes CPU on a busy host (see the README's Performance section).
 */
@ApplicationScoped
public class PaymentStore {

    private final EntityManager entityManager;
    private final ObjectMapper json;

    PaymentStore(EntityManager entityManager, ObjectMapper json) {
        this.entityManager = entityManager;
        this.json = json;
    }

    public void insertWithAnswer(Payment payment, IdempotencyKey key, int status, String body) {
        entityManager.createNativeQuery("""
                        WITH payment AS (
                            INSERT INTO payments (id, merchant_id, amount, currency, status, decline_code,
                                                  payment_method, description, metadata, created_at)
                            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, CAST(?9 AS jsonb), ?10))
                        UPDATE idempotency_keys SET payment_id = ?1, response_status = ?11, response_body = ?12
                        WHERE merchant_id = ?2 AND idempotency_key = ?13""")
                .setParameter(1, payment.id)
                .setParameter(2, payment.merchantId)
                .setParameter(3, payment.amount)
                .setParameter(4, payment.currency)
                .setParameter(5, payment.status.value())
                .setParameter(6, payment.declineCode)
                .setParameter(7, payment.paymentMethod)
                .setParameter(8, payment.description)
                .setParameter(9, metadataJson(payment.metadata))
                .setParameter(10, payment.createdAt.atOffset(ZoneOffset.UTC))
                .setParameter(11, status)
                .setParameter(12, body)
                .setParameter(13, key.value())
                .executeUpdate();
    }

    private String metadataJson(Map<String, String> metadata) {
        try {
            return json.writeValueAsString(new TreeMap<>(metadata));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize metadata", e);
        }
    }
}
