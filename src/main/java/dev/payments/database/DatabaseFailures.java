package dev.payments.database;

import java.sql.SQLException;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Everything this service knows about what a database failure means: which SQLSTATEs and
 * exceptions say "the database is not available right now" (answered 503: retrying with the same
 * key is safe and tells the truth), "a lock was not granted in time" (409) or "the request's data
 * cannot be stored" (400). Causes and suppressed exceptions are searched: the transaction manager
 * reports commit failures as suppressed ones.
 */
public final class DatabaseFailures {

    /** SQLSTATE lock_not_available: lock_timeout expired (waiting for a concurrent holder of a key). */
    public static final String LOCK_NOT_AVAILABLE = "55P03";
    /** SQLSTATE class 22, data exception: a value PostgreSQL cannot store or convert (a NUL in text, say). */
    private static final String DATA_EXCEPTION_CLASS = "22";
    /** SQLSTATE query_canceled: statement_timeout expired, or the statement was cancelled. */
    private static final String QUERY_CANCELED = "57014";
    /** SQLSTATE idle_in_transaction_session_timeout: the server ended a session left idle in a transaction. */
    private static final String IDLE_IN_TRANSACTION_TIMEOUT = "25P03";
    /**
     * SQLSTATE read_only_sql_transaction: a write reached a server that is (now) a replica: during a
     * failover, a connection opened to the old primary, or a balancer that has not noticed the switch
     * yet. Nothing was written; the new primary takes the retry.
     */
    private static final String READ_ONLY_SQL_TRANSACTION = "25006";

    /**
     * SQLSTATE class 40, transaction rollback: a deadlock or a serialization failure. The
     * transaction was rolled back whole, so nothing was stored, and the same request can succeed
     * when retried.
     */
    private static final String TRANSACTION_ROLLBACK_CLASS = "40";

    private DatabaseFailures() {
    }

    /**
     * Connection failures (SQLSTATE class 08), a server shutting down (57P0x) or out of resources
     * (53), a server that is a replica now (25006, a failover under way), a statement or an idle
     * transaction that ran out of time (57014, 25P03), no pooled
     * connection in time, a socket that timed out, a transaction the server rolled back to break a
     * deadlock (class 40), or a commit whose outcome the transaction manager could not learn (the
     * database stopped answering mid-commit: it may or may not have committed).
     */
    public static boolean isUnavailable(Throwable e) {
        return anyCause(e, cause -> {
            if (cause instanceof org.hibernate.exception.JDBCConnectionException
                    || cause instanceof jakarta.transaction.RollbackException
                    || cause instanceof jakarta.transaction.HeuristicMixedException
                    || cause instanceof jakarta.transaction.HeuristicRollbackException
                    || cause instanceof jakarta.transaction.SystemException
                    || cause instanceof java.net.SocketException || cause instanceof java.net.SocketTimeoutException) {
                return true;
            }
            // Hibernate's fixed wording when the pool gives no connection, whatever the driver said
            // (a connect attempt to a frozen server ends as "Interrupted while attempting to connect")
            if (cause instanceof org.hibernate.JDBCException jdbc && jdbc.getMessage() != null
                    && jdbc.getMessage().startsWith("Unable to acquire JDBC Connection")) {
                return true;
            }
            if (cause instanceof SQLException sql) {
                String state = state(sql);
                String message = sql.getMessage() == null ? "" : sql.getMessage().toLowerCase(Locale.ROOT);
                return state.startsWith("08") || state.startsWith("57P0") || state.startsWith("53")
                        || state.equals(QUERY_CANCELED) || state.equals(IDLE_IN_TRANSACTION_TIMEOUT)
                        || state.equals(READ_ONLY_SQL_TRANSACTION)
                        || state.startsWith(TRANSACTION_ROLLBACK_CLASS)
                        // Agroal: no connection within quarkus.datasource.jdbc.acquisition-timeout
                        || message.contains("acquisition timeout");
            }
            return false;
        });
    }

    /** lock_timeout expired while waiting for a row or index entry another transaction holds. */
    public static boolean isLockTimeout(Throwable e) {
        return anyCause(e, cause -> cause instanceof SQLException sql && LOCK_NOT_AVAILABLE.equals(state(sql)));
    }

    /**
     * A data exception (class 22): PostgreSQL refused a value of the request, such as text with
     * U+0000 or a number out of range. The request is at fault, not the database; nothing was stored
     * (the statement failed, so its transaction rolls back).
     */
    public static boolean isDataException(Throwable e) {
        return anyCause(e, cause -> cause instanceof SQLException sql && state(sql).startsWith(DATA_EXCEPTION_CLASS));
    }

    /**
     * The server answered the statement with an error, so it did not commit (a statement outside a
     * transaction commits by itself or not at all). Not so for a connection that broke or timed
     * out (class 08, or no SQLSTATE): the statement may or may not have committed.
     */
    public static boolean isRefusedStatement(Throwable e) {
        return e instanceof SQLException sql && !state(sql).isEmpty() && !state(sql).startsWith("08");
    }

    private static String state(SQLException e) {
        return e.getSQLState() == null ? "" : e.getSQLState();
    }

    private static boolean anyCause(Throwable e, Predicate<Throwable> test) {
        return anyCause(e, test, 0);
    }

    private static boolean anyCause(Throwable e, Predicate<Throwable> test, int depth) {
        if (e == null || depth > 16) {
            return false;
        }
        if (test.test(e)) {
            return true;
        }
        for (Throwable suppressed : e.getSuppressed()) {
            if (anyCause(suppressed, test, depth + 1)) {
                return true;
            }
        }
        return e.getCause() != e && anyCause(e.getCause(), test, depth + 1);
    }
}
