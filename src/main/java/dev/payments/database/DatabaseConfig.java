package dev.payments.database;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/**
 * The database sessions' own limit: {@code payments.database.*}. The lock and statement limits are
 * time limits of the request (deadline/TimeLimits).
 */
@ConfigMapping(prefix = "payments.database")
public interface DatabaseConfig {

    /**
     * A session idle inside a transaction this long is ended by the server. The service never
     * idles in a transaction (there are no network calls inside one), so only a client that
     * died or froze mid-transaction meets it, and its key is free again within 5s.
     */
    @WithDefault("5s")
    Duration idleInTransactionTimeout();
}
