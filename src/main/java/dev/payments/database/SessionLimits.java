package dev.payments.database;

import dev.payments.deadline.Deadline;
import dev.payments.deadline.RequestBudget;
import io.agroal.api.AgroalDataSource;
import io.agroal.api.AgroalPoolInterceptor;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;

/**
 * The server-side time limits of every session the service works in: lock_timeout (how long a
 * statement waits for a row lock, such as a concurrent first phase with the same key: then 409), statement_timeout (no statement runs
 * longer: then 503), and idle_in_transaction_session_timeout (a backend whose client went away, or
 * froze, mid-transaction is ended, so it never keeps a key locked).
 *
 * <p>They are set twice, on purpose. At start, as the defaults of the service's own database role
 * ({@code ALTER ROLE CURRENT_USER SET ...}, which any role may do for itself): every server session
 * of the role gets them, including those a pooler such as PgBouncer opens and hands out per
 * transaction. And on every pooled connection when it opens, which also covers connections opened
 * before the role's defaults changed. Neither costs a request a round trip. Flyway migrates in its
 * own sessions, and unlimited ({@code quarkus.flyway.init-sql}), so a long migration is not cut off.
 *
 * <p>The client's side of the bound is the connection's read timeout: the JDBC socket timeout,
 * cut, each time a request takes a connection from the pool, to what is left of its deadline, and
 * put back when the connection returns. A frozen server then costs a request no more than its
 * deadline. (A per-connection setting of the driver: no round trip.)
 */
@ApplicationScoped
public class SessionLimits implements AgroalPoolInterceptor {

    private static final Logger LOG = Logger.getLogger(SessionLimits.class);

    /** {@code name = milliseconds} of each limit: integers from typed configuration, nothing from a request. */
    private final List<String> limits;
    private final AgroalDataSource dataSource;
    private final int readTimeoutMillis;

    SessionLimits(DatabaseConfig config, RequestBudget budget, AgroalDataSource dataSource) {
        this.limits = List.of(
                "lock_timeout = " + budget.databaseLock().toMillis(),
                "statement_timeout = " + budget.statement().toMillis(),
                "idle_in_transaction_session_timeout = " + config.idleInTransactionTimeout().toMillis());
        this.dataSource = dataSource;
        this.readTimeoutMillis = (int) budget.socketTimeout().toMillis();
    }

    /**
     * A request's connection reads for no longer than its deadline leaves (at least a millisecond:
     * a request out of time fails its next statement at once, and the pool replaces the connection).
     */
    @Override
    public void onConnectionAcquire(Connection connection) {
        Deadline deadline = Deadline.current().orElse(null);
        if (deadline == null) {
            return;
        }
        long left = Math.max(1, deadline.remaining().toMillis());
        try {
            connection.setNetworkTimeout(Runnable::run,
                    (int) (readTimeoutMillis == 0 ? left : Math.min(left, readTimeoutMillis)));
        } catch (SQLException e) {
            LOG.debugf("cannot cut a connection's read timeout to the request's deadline: %s", e.getMessage());
        }
    }

    /** Puts back the read timeout a request cut (on the thread that took the connection); jobs never cut it. */
    @Override
    public void onConnectionReturn(Connection connection) {
        if (Deadline.current().isEmpty()) {
            return;
        }
        try {
            connection.setNetworkTimeout(Runnable::run, readTimeoutMillis);
        } catch (SQLException e) {
            LOG.debugf("cannot put back a connection's read timeout: %s", e.getMessage());
        }
    }

    @Override
    public void onConnectionCreate(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.execute(limits.stream().map(limit -> "SET " + limit).collect(Collectors.joining("; ")));
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set the session limits on a new connection", e);
        }
    }

    void setRoleDefaults(@Observes StartupEvent startup) {
        try (Connection connection = dataSource.getConnection(); Statement statement = connection.createStatement()) {
            for (String limit : limits) {
                statement.execute("ALTER ROLE CURRENT_USER SET " + limit);
            }
            LOG.debugf("session limits set as the defaults of the database role");
        } catch (SQLException e) {
            // pooled connections still get them; only sessions a pooler opens would lack them
            LOG.warnf("cannot set the session limits as the database role's defaults (%s); "
                    + "they are set on each pooled connection only", e.getMessage());
        }
    }
}
