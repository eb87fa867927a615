package dev.payments.payment;

import static org.junit.jupiter.api.Assertions.*;

import dev.payments.database.Uuids;
import dev.payments.idempotency.Claim;
import dev.payments.idempotency.IdempotencyKey;
import dev.payments.idempotency.KeyedRequest;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Phase 1's statement given rows of racing requests, as CombinedStatement may give it: two rows with
 * one key claim it once, on a real PostgreSQL.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class PaymentStoreTest {

    private static final String FINGERPRINT = "f6d3d2c1a0b9e8f7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060";

    @Inject
    PaymentStore store;

    @Test
    void twoRowsWithOneKeyInOneStatementClaimItOnce() throws Exception {
        String shared = "store-" + UUID.randomUUID();
        String other = "store-" + UUID.randomUUID();
        PaymentStore.NewPayment first = row(shared);
        PaymentStore.NewPayment second = row(shared);
        PaymentStore.NewPayment third = row(other);
        try {
            List<Claim<LeasedPayment>> claims = store.insertKeysAndPayments(List.of(first, second, third));

            Claim.Started<?> started = assertInstanceOf(Claim.Started.class, claims.get(0));
            assertEquals(first.payment().id, ((LeasedPayment) started.attempt()).payment().id);
            assertInstanceOf(Claim.TakenUnseen.class, claims.get(1),
                    "the key was claimed by the first row, after the statement's snapshot");
            assertInstanceOf(Claim.Started.class, claims.get(2), "another key of the same statement");

            Map<String, Object> key = TestDatabase.keyRow("acme", shared).orElseThrow();
            assertEquals(first.payment().id.toString(), key.get("payment_id"), "the key names the first row's payment");
            assertEquals(1, TestDatabase.number("SELECT count(*) FROM payments WHERE idempotency_key = ?", shared));
            assertEquals(0, TestDatabase.number("SELECT count(*) FROM payments WHERE id = ?", second.payment().id),
                    "the second row's payment was never inserted");
            assertEquals(1, TestDatabase.keyRows("acme", other));
        } finally {
            // processing payments of no request: taken away, so that no job charges them
            TestDatabase.update("DELETE FROM idempotency_keys WHERE merchant_id = 'acme' AND idempotency_key IN (?, ?)",
                    shared, other);
            TestDatabase.update("DELETE FROM payments WHERE id IN (?, ?, ?)", first.payment().id, second.payment().id,
                    third.payment().id);
        }
    }

    private static PaymentStore.NewPayment row(String key) {
        Payment payment = new Payment();
        payment.id = Uuids.v7();
        payment.merchantId = "acme";
        payment.amount = 2500;
        payment.currency = "EUR";
        payment.paymentMethod = "pm_card_visa";
        payment.metadata = Map.of();
        payment.createdAt = Instant.now().truncatedTo(ChronoUnit.MICROS);
        payment.status = PaymentStatus.PROCESSING;
        payment.processorKey = "payment-" + payment.id + "-charge";
        payment.idempotencyKey = key;
        payment.captureMethod = "automatic";
        KeyedRequest request = new KeyedRequest("acme", new IdempotencyKey(key), FINGERPRINT, () -> null);
        return new PaymentStore.NewPayment(request, payment, Duration.ofSeconds(30), Duration.ofHours(24));
    }
}
