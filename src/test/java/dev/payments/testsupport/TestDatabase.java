package dev.payments.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Direct JDBC access to the service's database, to check what a test's requests stored. Works the
 * same for in-process and packaged runs: the connection settings travel in system properties.
 */
public final class TestDatabase {

    private static final String URL = "test.database.url";
    private static final String USER = "test.database.username";
    private static final String PASSWORD = "test.database.password";
    private static final String APP_USER = "test.database.app-username";
    private static final String APP_PASSWORD = "test.database.app-password";

    private TestDatabase() {
    }

    /** An administrator's credentials (to check anything), and the service's runtime role's. */
    static void use(String url, String username, String password, String appUsername, String appPassword) {
        System.setProperty(URL, url);
        System.setProperty(USER, username == null ? "" : username);
        System.setProperty(PASSWORD, password == null ? "" : password);
        System.setProperty(APP_USER, appUsername == null ? "" : appUsername);
        System.setProperty(APP_PASSWORD, appPassword == null ? "" : appPassword);
    }

    /** As the administrator: sees every session and every row. */
    public static Connection connect() throws SQLException {
        return DriverManager.getConnection(url(), System.getProperty(USER), System.getProperty(PASSWORD));
    }

    /** As the role the service runs as, with that role's privileges and defaults. */
    public static Connection connectAsService() throws SQLException {
        return DriverManager.getConnection(url(), System.getProperty(APP_USER), System.getProperty(APP_PASSWORD));
    }

    /** Another instance of the packaged service on this database: the runtime role, the administrator for Flyway. */
    public static ServiceProcess anotherService(String name) {
        return new ServiceProcess(name, url(), System.getProperty(APP_USER), System.getProperty(APP_PASSWORD),
                System.getProperty(USER), System.getProperty(PASSWORD));
    }

    private static String url() {
        String url = System.getProperty(URL);
        if (url == null) {
            throw new IllegalStateException("TestEnvironment has not started a database");
        }
        return url;
    }

    /**
     * Makes a payment look {@code age} old. Its created_at is fixed for good (the payments trigger
     * refuses the change), so this session, as the administrator, skips triggers for the one update.
     */
    public static void agePayment(String paymentId, Duration age) {
        try (Connection c = connect()) {
            c.setAutoCommit(false);
            try (PreparedStatement replica = c.prepareStatement("SET LOCAL session_replication_role = replica");
                    PreparedStatement update = c.prepareStatement(
                            "UPDATE payments SET created_at = now() - make_interval(secs => ?) WHERE id = ?::uuid")) {
                replica.execute();
                update.setDouble(1, age.toSeconds());
                update.setString(2, paymentId);
                if (update.executeUpdate() != 1) {
                    throw new IllegalStateException("no payment " + paymentId);
                }
            }
            c.commit();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The single number a query answers, e.g. a count. */
    public static long number(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = prepare(c, sql, params); ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every row a query answers, each as column label to value. */
    public static List<Map<String, Object>> rows(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = prepare(c, sql, params); ResultSet r = s.executeQuery()) {
            List<Map<String, Object>> rows = new ArrayList<>();
            while (r.next()) {
                Map<String, Object> row = new HashMap<>();
                for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                    row.put(r.getMetaData().getColumnLabel(i), r.getObject(i));
                }
                rows.add(row);
            }
            return rows;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    public static int update(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement s = prepare(c, sql, params)) {
            return s.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Makes every new session of the service's role read-only (as on a replica: writes fail with
     * SQLSTATE 25006), or writable again, and ends the role's open sessions so that the pool
     * reconnects with the new default. What a write meets when a failover sends it to a replica.
     */
    public static void serviceReadOnly(boolean readOnly) {
        String role = "\"" + System.getProperty(APP_USER).replace("\"", "\"\"") + "\"";
        update(readOnly ? "ALTER ROLE " + role + " SET default_transaction_read_only = on"
                : "ALTER ROLE " + role + " RESET default_transaction_read_only");
        number("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = ?",
                System.getProperty(APP_USER));
    }

    /** Payments whose description is {@code description}: tests tag each payment they mean to make. */
    public static long paymentsDescribed(String description) {
        return number("SELECT count(*) FROM payments WHERE description = ?", description);
    }

    public static long keyRows(String merchantId, String key) {
        return number("SELECT count(*) FROM idempotency_keys WHERE merchant_id = ? AND idempotency_key = ?", merchantId, key);
    }

    /** The stored idempotency row as column name to value, if the key is known. */
    public static Optional<Map<String, Object>> keyRow(String merchantId, String key) {
        try (Connection c = connect();
                PreparedStatement s = prepare(c, """
                        SELECT request_fingerprint, payment_id::text AS payment_id, response_status, response_body
                        FROM idempotency_keys WHERE merchant_id = ? AND idempotency_key = ?""", merchantId, key);
                ResultSet r = s.executeQuery()) {
            if (!r.next()) {
                return Optional.empty();
            }
            Map<String, Object> row = new HashMap<>();
            for (int i = 1; i <= r.getMetaData().getColumnCount(); i++) {
                row.put(r.getMetaData().getColumnLabel(i), r.getObject(i));
            }
            return Optional.of(row);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Makes a key look {@code age} old, as if the retention period had passed. */
    public static void age(String merchantId, String key, Duration age) {
        update("UPDATE idempotency_keys SET created_at = now() - make_interval(secs => ?) "
                + "WHERE merchant_id = ? AND idempotency_key = ?", (double) age.toSeconds(), merchantId, key);
    }

    /**
     * Claims a key in an open transaction, the way a slow request would, so that a test can make
     * the service wait on it. Close to roll back.
     */
    public static HeldKey hold(String merchantId, String key) {
        try {
            Connection c = connect();
            c.setAutoCommit(false);
            try (PreparedStatement s = prepare(c, "INSERT INTO idempotency_keys (merchant_id, idempotency_key, "
                    + "request_fingerprint) VALUES (?, ?, repeat('0', 64))", merchantId, key)) {
                s.executeUpdate();
            }
            return new HeldKey(c);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Waits (bounded) until some session waits on a lock, i.e. the service is queued behind a held key. */
    public static boolean awaitLockWaiter(Duration timeout) throws InterruptedException {
        return Await.until(() -> number("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                + "AND query LIKE '%idempotency_keys%'") > 0, timeout);
    }

    public static final class HeldKey implements AutoCloseable {
        private final Connection connection;

        private HeldKey(Connection connection) {
            this.connection = connection;
        }

        @Override
        public void close() throws SQLException {
            connection.rollback();
            connection.close();
        }
    }

    private static PreparedStatement prepare(Connection c, String sql, Object... params) throws SQLException {
        PreparedStatement s = c.prepareStatement(sql);
        for (int i = 0; i < params.length; i++) {
            s.setObject(i + 1, params[i]);
        }
        return s;
    }
}
