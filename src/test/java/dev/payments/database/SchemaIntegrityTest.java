package dev.payments.database;

import static dev.payments.testsupport.Api.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.PostgresResource;
import dev.payments.testsupport.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * The invariants of a key row hold in the schema itself, whatever code writes it: each insert here
 * is one a bug could make, and PostgreSQL refuses it (as the administrator, who bypasses privileges
 * but not constraints).
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class SchemaIntegrityTest {

    private static final String CHECK_VIOLATION = "23514";
    private static final String FOREIGN_KEY_VIOLATION = "23503";

    @Test
    void anAnswerIsStoredWholeOrNotAtAll() throws SQLException {
        String payment = acmePayment();
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                + "payment_id) VALUES ('acme', ?, repeat('0', 64), ?::uuid)", newKey(), payment);
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                + "payment_id, response_status) VALUES ('acme', ?, repeat('0', 64), ?::uuid, 201)", newKey(), payment);
        assertRefused(CHECK_VIOLATION, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, "
                + "response_body) VALUES ('acme', ?, repeat('0', 64), '{}')", newKey());
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

    private static void assertRefused(String sqlState, String sql, Object... params) throws SQLException {
        try (Connection admin = TestDatabase.connect(); PreparedStatement insert = admin.prepareStatement(sql)) {
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
