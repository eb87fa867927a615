package dev.payments.database;

import static dev.payments.testsupport.Api.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * The invariants of key rows and payments hold in the schema itself, whatever code writes it: each
 * statement here is one a bug could make, and PostgreSQL refuses it (as the administrator, who
 * bypasses privileges but not constraints, or as the service's own role).
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class SchemaIntegrityTest {

    private static final String CHECK_VIOLATION = "23514";
    private static final String FOREIGN_KEY_VIOLATION = "23503";
    /** What the payments trigger raises for a change it refuses. */
    private static final String INTEGRITY_VIOLATION = "23000";

    @Test
    void anAnswerIsStoredWholeOrNotAtAll() throws SQLException {
        String payment = acmePayment();
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                + "response_status, response_body) VALUES ('acme', ?, repeat('0', 64), 201, '{}')", newKey());
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                + "payment_id, resource_id, response_status) VALUES ('acme', ?, repeat('0', 64), ?::uuid, ?::uuid, 201)",
                newKey(), payment, payment);
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                + "response_body) VALUES ('acme', ?, repeat('0', 64), '{}')", newKey());
    }

    @Test
    void aFinishedPaymentNeverChanges() throws SQLException {
        String payment = acmePayment();
        for (String change : new String[] {
                "UPDATE payments SET amount = 1 WHERE id = ?::uuid",
                "UPDATE payments SET status = 'declined', decline_code = 'card_declined' WHERE id = ?::uuid",
                "UPDATE payments SET status = 'processing', processor_charge_id = NULL, finished_at = NULL, "
                        + "attempt_until = now() WHERE id = ?::uuid"}) {
            assertRefusedAsService(INTEGRITY_VIOLATION, change, payment);
        }
    }

    @Test
    void aProcessingPaymentChangesOnlyItsOutcomeAndLease() throws SQLException {
        String id = java.util.UUID.randomUUID().toString();
        TestDatabase.update("""
                INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, created_at,
                                      processor_key, idempotency_key, attempt_until)
                VALUES (?::uuid, 'acme', 100, 'EUR', 'processing', 'pm_card_visa', now(), ?, ?, now())""",
                id, "payment-" + id + "-charge", newKey());
        assertRefusedAsService(INTEGRITY_VIOLATION, "UPDATE payments SET amount = 1 WHERE id = ?::uuid", id);
        assertRefusedAsService(INTEGRITY_VIOLATION, "UPDATE payments SET processor_key = 'other' WHERE id = ?::uuid", id);
        assertRefused(CHECK_VIOLATION, "UPDATE payments SET status = 'succeeded' WHERE id = ?::uuid", id);
        assertRefused(CHECK_VIOLATION, "INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, "
                + "created_at) VALUES (gen_random_uuid(), 'acme', 100, 'EUR', 'processing', 'pm_card_visa', now())");
    }

    @Test
    void onlyReplayableStatusesAreStored() throws SQLException {
        String payment = acmePayment();
        for (int status : new int[] {204, 400, 404, 422, 500, 503}) {
            assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                    + "payment_id, resource_id, response_status, response_body) "
                    + "VALUES ('acme', ?, repeat('0', 64), ?::uuid, ?::uuid, ?, '{}')",
                    newKey(), payment, payment, status);
        }
    }

    @Test
    void aKeyCannotPointAtAnotherMerchantsPayment() throws SQLException {
        String payment = acmePayment();
        assertRefused(FOREIGN_KEY_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, "
                + "request_fingerprint, payment_id, resource_id, response_status, response_body) "
                + "VALUES ('globex', ?, repeat('0', 64), ?::uuid, ?::uuid, 201, '{}')", newKey(), payment, payment);
    }

    @Test
    void aFingerprintIsASha256AndItsSchemeKnown() throws SQLException {
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint) "
                + "VALUES ('acme', ?, 'not-a-digest')", newKey());
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                + "fingerprint_scheme) VALUES ('acme', ?, repeat('0', 64), 3)", newKey());
    }

    @Test
    void refundsNeverAddUpToMoreThanWasCaptured() throws SQLException {
        String payment = acmePayment();
        assertRefusedAsService(CHECK_VIOLATION, INSERT_REFUND, 2501L, payment);
        assertEquals(1, TestDatabase.update(INSERT_REFUND, 2000L, payment));
        assertRefusedAsService(CHECK_VIOLATION, INSERT_REFUND, 501L, payment);
        assertEquals(2000L, TestDatabase.number("SELECT amount_refund_pending FROM payments WHERE id = ?::uuid", payment));
        assertRefusedAsService(CHECK_VIOLATION, "UPDATE payments SET amount_refunded = 2500 WHERE id = ?::uuid", payment);
    }

    @Test
    void onlyACapturedPaymentIsRefundedAndAFinishedRefundNeverChanges() throws SQLException {
        String authorized = create(ACME_KEY, newKey(), authorization()).then().statusCode(201).extract().path("id");
        assertRefusedAsService(CHECK_VIOLATION, INSERT_REFUND, 100L, authorized);
        String payment = acmePayment();
        String refundId = io.restassured.RestAssured.given().header("Authorization", "Bearer " + ACME_KEY)
                .header("Idempotency-Key", newKey()).post("/payments/" + payment + "/refunds")
                .then().statusCode(201).extract().path("id");
        assertRefusedAsService(INTEGRITY_VIOLATION, "UPDATE refunds SET status = 'failed', failure_code = 'x' WHERE id = ?::uuid",
                refundId);
        assertRefusedAsService(INTEGRITY_VIOLATION, "UPDATE payments SET amount_refunded = 0, amount_refund_pending = 0 "
                + "WHERE id = ?::uuid", payment);
    }

    @Test
    void captureAndCancelExcludeEachOtherAndFollowTheStateMachine() throws SQLException {
        String captured = acmePayment();
        assertRefusedAsService(INTEGRITY_VIOLATION, "UPDATE payments SET status = 'canceled', canceled_at = now(), "
                + "amount_captured = 0 WHERE id = ?::uuid", captured);
        assertRefusedAsService(INTEGRITY_VIOLATION, "UPDATE payments SET status = 'requires_capture', amount_captured = 0, "
                + "amount_capturable = amount WHERE id = ?::uuid", captured);
        String authorized = create(ACME_KEY, newKey(), authorization()).then().statusCode(201).extract().path("id");
        assertRefusedAsService(CHECK_VIOLATION, "UPDATE payments SET status = 'succeeded', amount_capturable = 0, "
                + "amount_captured = amount + 1 WHERE id = ?::uuid", authorized);
        assertRefusedAsService(CHECK_VIOLATION, "UPDATE payments SET status = 'canceled', amount_capturable = 0, "
                + "amount_captured = 1, canceled_at = now() WHERE id = ?::uuid", authorized);
        assertRefusedAsService(CHECK_VIOLATION, "UPDATE payments SET pending_action = 'capture' WHERE id = ?::uuid", authorized);
    }

    /** A refund as a bug might write it: pending, of the payment's currency, for {@code amount}. */
    private static final String INSERT_REFUND = """
            INSERT INTO refunds (id, payment_id, merchant_id, amount, currency, status, created_at, processor_key,
                                 idempotency_key, attempt_until)
            SELECT gen_random_uuid(), id, merchant_id, ?, currency, 'pending', now(), gen_random_uuid()::text, 'k', now()
            FROM payments WHERE id = ?::uuid""";

    private static String acmePayment() {
        return create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
    }

    private static void assertRefusedAsService(String sqlState, String sql, Object... params) throws SQLException {
        try (Connection service = TestDatabase.connectAsService()) {
            assertRefused(service, sqlState, sql, params);
        }
    }

    private static void assertRefused(String sqlState, String sql, Object... params) throws SQLException {
        try (Connection admin = TestDatabase.connect()) {
            assertRefused(admin, sqlState, sql, params);
        }
    }

    private static void assertRefused(Connection connection, String sqlState, String sql, Object... params)
            throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                insert.setObject(i + 1, params[i]);
            }
            insert.executeUpdate();
            fail("the schema accepted " + sql);
        } catch (SQLException expected) {
            assertEquals(sqlState, expected.getSQLState(), expected.getMessage());
        }
    }
}
