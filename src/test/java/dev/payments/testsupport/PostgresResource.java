package dev.payments.testsupport;

import dev.payments.localdb.LocalPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.HashMap;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * A real PostgreSQL for every test, in process ({@code @QuarkusTest}) or against the packaged jar
 * ({@code @QuarkusIntegrationTest}): the one in QUARKUS_DATASOURCE_JDBC_URL if set, else a
 * {@link LocalPostgres} (a Docker container, else embedded). Also switches on what the tests
 * need in every profile: the demo merchants and a fast expiry job.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    private static final Logger LOG = Logger.getLogger(PostgresResource.class);

    /** Short enough that the 409 test is quick, long enough that a racing burst never reaches it. */
    public static final String LOCK_TIMEOUT = "2s";

    private LocalPostgres postgres;

    @Override
    public Map<String, String> start() {
        Map<String, String> config = new HashMap<>();
        config.put("payments.demo-merchants", "true");
        config.put("payments.idempotency.cleanup-interval", "1s");
        config.put("payments.idempotency.lock-timeout", LOCK_TIMEOUT);
        String configuredUrl = System.getenv("QUARKUS_DATASOURCE_JDBC_URL");
        if (configuredUrl != null && !configuredUrl.isBlank()) {
            LOG.infof("Database: using the configured QUARKUS_DATASOURCE_JDBC_URL (%s)", configuredUrl);
            TestDatabase.use(configuredUrl, System.getenv("QUARKUS_DATASOURCE_USERNAME"),
                    System.getenv("QUARKUS_DATASOURCE_PASSWORD"));
            return config;
        }
        postgres = LocalPostgres.start();
        TestDatabase.use(postgres.jdbcUrl(), postgres.username(), postgres.password());
        config.put("quarkus.datasource.jdbc.url", postgres.jdbcUrl());
        config.put("quarkus.datasource.username", postgres.username());
        config.put("quarkus.datasource.password", postgres.password());
        return config;
    }

    @Override
    public void stop() {
        if (postgres != null) {
            postgres.close();
        }
    }
}
