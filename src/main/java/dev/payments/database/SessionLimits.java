package dev.payments.database;

import dev.payments.config.PaymentsConfig;
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
 */
@ApplicationScoped
public class SessionLimits implements AgroalPoolInterceptor {

    private static final Logger LOG = Logger.getLogger(SessionLimits.class);

    /** {@code name = milliseconds} of each limit: integers from typed configuration, nothing from a request. */
    private final List<String> limits;
    private final AgroalDataSource dataSource;

    SessionLimits(PaymentsConfig config, AgroalDataSource dataSource) {
        this.limits = List.of(
                "lock_timeout = " + config.database().lockTimeout().toMillis(),
                "statement_timeout = " + config.database().statementTimeout().toMillis(),
                "idle_in_transaction_session_timeout = " + config.database().idleInTransactionTimeout().toMillis());
        this.dataSource = dataSource;
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
