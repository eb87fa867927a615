package dev.payments.idempotency;

import dev.payments.config.PaymentsConfig;
import io.agroal.api.AgroalPoolInterceptor;
import jakarta.enterprise.context.ApplicationScoped;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Sets {@code payments.idempotency.lock-timeout} as PostgreSQL's lock_timeout on every pooled
 * connection, once, when it is opened: a request waiting on a concurrent holder of its key gives
 * up with SQLSTATE 55P03 (answered 409) instead of waiting without bound, and no request pays a
 * round trip to set it.
 */
@ApplicationScoped
public class LockTimeout implements AgroalPoolInterceptor {

    private final long millis;

    LockTimeout(PaymentsConfig config) {
        this.millis = config.idempotency().lockTimeout().toMillis();
    }

    @Override
    public void onConnectionCreate(Connection connection) {
        try (Statement statement = connection.createStatement()) {
            statement.execute("SET lock_timeout = " + millis);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot set lock_timeout on a new connection", e);
        }
    }
}
