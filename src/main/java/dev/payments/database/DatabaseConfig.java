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

    /** The statements shared by the rows of requests that arrive together: {@link CombinedStatement}. */
    Combined combined();

    interface Combined {
        /**
         * How many statements of one kind (a create's phase 1, its phase 3) run at once; rows that
         * arrive while they run wait for the next. Each holds a pooled connection while it runs.
         */
        @WithDefault("2")
        int atOnce();

        /** The most rows one statement takes; the rest wait for the next. */
        @WithDefault("32")
        int maxRows();
    }
}
