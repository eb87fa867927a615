package dev.payments.database;

import io.agroal.api.AgroalDataSource;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

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
    public Connection connection() throws SQLException {
        try {
            return dataSource.getConnection();
        } catch (SQLException | RuntimeException e) {
            if (e instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                throw sql;
            }
            throw new SQLTransientConnectionException("no database connection: " + e.getMessage(), CANNOT_CONNECT, e);
        }
    }
}
