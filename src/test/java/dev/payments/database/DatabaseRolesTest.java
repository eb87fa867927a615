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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service's database role: only row privileges (Flyway migrates as the owner), and time
 * limits on every session of the role, so that no statement, no lock wait and no abandoned
 * transaction can hold a key for long.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class DatabaseRolesTest {

    /** SQLSTATE insufficient_privilege. */
    private static final String NOT_ALLOWED = "42501";

    @Test
    void theRuntimeRoleCannotChangeTheSchemaOrBulkDelete() throws SQLException {
        String[] forbidden = {
                "CREATE TABLE intruder (id int)",
                "ALTER TABLE payments ADD COLUMN intruder int",
                "ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_answer_is_whole",
                "CREATE INDEX intruder ON payments (amount)",
                "DROP TABLE idempotency_keys",
                "TRUNCATE idempotency_keys",
                "DELETE FROM payments",
                "UPDATE merchants SET name = 'intruder'",
                "DELETE FROM merchants",
                "CREATE FUNCTION intruder() RETURNS int LANGUAGE sql AS 'SELECT 1'"};
        try (Connection service = TestDatabase.connectAsService()) {
            for (String sql : forbidden) {
                try (Statement statement = service.createStatement()) {
                    statement.execute(sql);
                    fail("the runtime role may run " + sql);
                } catch (SQLException expected) {
                    assertEquals(NOT_ALLOWED, expected.getSQLState(), sql + ": " + expected.getMessage());
                }
            }
            try (Statement statement = service.createStatement();
                    ResultSet rows = statement.executeQuery("SELECT count(*) FROM payments")) {
                assertTrue(rows.next(), "and it reads its tables");
            }
        }
    }

    @Test
    void everySessionOfTheRuntimeRoleHasTheTimeLimits() throws SQLException {
        // a fresh session, not the service's pooled ones: the limits are the role's defaults
        try (Connection service = TestDatabase.connectAsService(); Statement statement = service.createStatement()) {
            assertEquals(Map.of("lock_timeout", "2s", "statement_timeout", "2500ms",
                            "idle_in_transaction_session_timeout", "5s"),
                    Map.of("lock_timeout", show(statement, "lock_timeout"),
                            "statement_timeout", show(statement, "statement_timeout"),
                            "idle_in_transaction_session_timeout", show(statement, "idle_in_transaction_session_timeout")));
            long started = System.nanoTime();
            SQLException cancelled = assertThrows(SQLException.class, () -> statement.execute("SELECT pg_sleep(10)"));
            assertEquals("57014", cancelled.getSQLState(), "statement_timeout cancels it");
            assertTrue((System.nanoTime() - started) / 1_000_000 < 5_000);
        }
    }

    @Test
    void aClientThatVanishesMidTransactionReleasesItsKeyWithinTheIdleTimeout() throws Exception {
        String key = newKey();
        Connection abandoned = TestDatabase.connectAsService();
        abandoned.setAutoCommit(false);
        try (PreparedStatement claim = abandoned.prepareStatement("INSERT INTO idempotency_keys (merchant_id, "
                + "idempotency_key, request_fingerprint) VALUES ('acme', ?, repeat('0', 64))")) {
            claim.setString(1, key);
            claim.executeUpdate();
        }
        // the client now neither commits nor rolls back: a frozen or partitioned service instance
        Thread.sleep(6_000);
        assertThrows(SQLException.class, () -> abandoned.createStatement().execute("SELECT 1"),
                "the server ended the idle transaction's session");
        abandoned.close();
        assertEquals(0, TestDatabase.keyRows(ACME, key), "its claim was rolled back");
        create(ACME_KEY, key, visa()).then().statusCode(201);
    }

    private static String show(Statement statement, String setting) throws SQLException {
        try (ResultSet row = statement.executeQuery("SHOW " + setting)) {
            row.next();
            return row.getString(1);
        }
    }
}
