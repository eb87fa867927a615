package dev.payments.database;

import dev.payments.config.RetentionCleanup;
import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The JDBC connection for hand-written statements. Inside a JTA transaction the pool hands out the
 * connection enlisted in that transaction, so every statement of a request commits or rolls back
 * together; closing it only releases the handle.
 */
@ApplicationScoped
public class Database {

    /** SQLSTATE sqlclient_unable_to_establish_sqlconnection. */
    private static final String CANNOT_CONNECT = "08001";

    private final AgroalDataSource dataSource;

    Database(AgroalDataSource dataSource) {
        this.dataSource = dataSource;
    }

    /**
     * The current transaction's connection. Failing to get one, whatever the reason (no pooled
     * connection within the acquisition timeout, a server that refuses or does not answer, or the
     * bare RuntimeException pgjdbc throws when a connect attempt is interrupted), is reported as
     * SQLSTATE 08001, which ProblemMapper answers with 503: nothing was written, a retry is safe.
     */
    private Connection connection() throws SQLException {
        try {
            return dataSource.getConnection();
        } catch (SQLException | RuntimeException e) {
            if (e instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                throw sql;
            }
            throw new SQLTransientConnectionException("no database connection: " + e.getMessage(), CANNOT_CONNECT, e);
        }
    }

    /** Reads one row of a result into a value. */
    @FunctionalInterface
    public interface Row<T> {
        T read(ResultSet row) throws SQLException;
    }

    /** The rows a statement returns (a query, or a write with RETURNING), each read by {@code row}. */
    public <T> List<T> list(Sql sql, Sql.Parameters parameters, Row<T> row) throws SQLException {
        try (Connection connection = connection(); PreparedStatement statement = sql.prepare(connection, parameters);
                ResultSet rows = statement.executeQuery()) {
            List<T> read = new ArrayList<>();
            while (rows.next()) {
                read.add(row.read(rows));
            }
            return read;
        }
    }

    /** The first row a statement returns, if any. */
    public <T> Optional<T> one(Sql sql, Sql.Parameters parameters, Row<T> row) throws SQLException {
        try (Connection connection = connection(); PreparedStatement statement = sql.prepare(connection, parameters);
                ResultSet rows = statement.executeQuery()) {
            return rows.next() ? Optional.of(row.read(rows)) : Optional.empty();
        }
    }

    /** A write without RETURNING; the rows it changed. */
    public int update(Sql sql, Sql.Parameters parameters) throws SQLException {
        try (Connection connection = connection(); PreparedStatement statement = sql.prepare(connection, parameters)) {
            return statement.executeUpdate();
        }
    }

    /** One batch of a purge, one statement (or transaction). */
    @FunctionalInterface
    public interface Batch {
        /** One batch; the rows it did. */
        int run() throws SQLException;
    }

    /**
     * One run of a purge ({@link RetentionCleanup}): runs {@code batch} (of at most the cleanup's
     * batch size) until one does fewer rows (nothing more to do) or the cleanup's maximum of batches
     * has run, so that one run stays bounded even after a long outage, resting the cleanup's pause
     * between two, so that it leaves the database most of its time for requests while it works
     * through a backlog. Returns the rows done in all.
     */
    public static int inBatches(RetentionCleanup cleanup, Batch batch) {
        int total = 0;
        for (int done = 0; done < cleanup.cleanupMaxBatches(); done++) {
            int rows = DatabaseException.unchecked(batch::run);
            total += rows;
            if (rows < cleanup.cleanupBatchSize() || done + 1 == cleanup.cleanupMaxBatches()) {
                break;
            }
            try {
                Thread.sleep(cleanup.cleanupPause().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return total;
    }

    /** A duration as the seconds a {@code make_interval(secs => ?)} parameter takes. */
    public static double seconds(Duration duration) {
        return duration.toMillis() / 1000.0;
    }
}
