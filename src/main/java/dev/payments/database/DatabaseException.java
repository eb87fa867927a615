package dev.payments.database;

import java.sql.SQLException;
import java.util.concurrent.Callable;

/**
 * A statement that failed, unchecked; its cause (the SQLException) says why, and
 * {@link DatabaseFailures} reads it there: unavailable (503), lock timeout (409), data (400).
 */
public final class DatabaseException extends RuntimeException {

    public DatabaseException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    /**
     * Runs database work, its SQLException turned into a DatabaseException. (Outside a transaction
     * each statement of the work commits by itself; inside one, with it.)
     */
    public static <T> T unchecked(Callable<T> work) {
        try {
            return work.call();
        } catch (SQLException e) {
            throw new DatabaseException(e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
