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
                + "payment_id, response_status) VALUES ('acme', ?, repeat('0', 64), ?::uuid, 201)", newKey(), payment);
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
        for (int status : new int[] {200, 400, 409, 500, 503}) {
            assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                    + "payment_id, response_status, response_body) VALUES ('acme', ?, repeat('0', 64), ?::uuid, ?, '{}')",
                    newKey(), acmePayment(), status);
        }
    }

    @Test
    void aKeyCannotPointAtAnotherMerchantsPayment() throws SQLException {
        assertRefused(FOREIGN_KEY_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, "
                + "request_fingerprint, payment_id, response_status, response_body) "
                + "VALUES ('globex', ?, repeat('0', 64), ?::uuid, 201, '{}')", newKey(), acmePayment());
    }

    @Test
    void aFingerprintIsASha256AndItsSchemeKnown() throws SQLException {
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint) "
                + "VALUES ('acme', ?, 'not-a-digest')", newKey());
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                + "fingerprint_scheme) VALUES ('acme', ?, repeat('0', 64), 3)", newKey());
    }

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
