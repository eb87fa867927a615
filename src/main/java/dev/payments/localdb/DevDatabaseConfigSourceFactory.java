package dev.payments.localdb;

import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertiesConfigSource;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.jboss.logging.Logger;

/**
 * Gives {@code ./mvnw quarkus:dev} a database with no configuration: the configured
 * quarkus.datasource.jdbc.url if there is one, else a {@link LocalPostgres} (the service as its
 * runtime role, Flyway as the schema owner). Acts in the dev
 * profile only. Dev mode rebuilds its configuration on every live reload, in a fresh class loader,
 * so the server started first is remembered in system properties and reused until the JVM exits.
 */
public class DevDatabaseConfigSourceFactory implements ConfigSourceFactory {

    private static final Logger LOG = Logger.getLogger(DevDatabaseConfigSourceFactory.class);

    private static final String URL = "quarkus.datasource.jdbc.url";
    private static final String REMEMBERED = "local-postgres.started.";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        if (!context.getProfiles().contains("dev")) {
            return List.of();
        }
        synchronized (System.getProperties()) {
            if (System.getProperty(REMEMBERED + "url") == null) {
                ConfigValue configured = context.getValue(URL);
                if (configured != null && configured.getValue() != null) {
                    LOG.infof("Database: using the configured %s (%s)", URL, configured.getValue());
                    return List.of();
                }
                LocalPostgres postgres = startLocalPostgres();
                Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "local-postgres-stop"));
                System.setProperty(REMEMBERED + "url", postgres.jdbcUrl());
                System.setProperty(REMEMBERED + "username", postgres.appUsername());
                System.setProperty(REMEMBERED + "password", postgres.appPassword());
                System.setProperty(REMEMBERED + "owner-username", postgres.ownerUsername());
                System.setProperty(REMEMBERED + "owner-password", postgres.ownerPassword());
            }
        }
        return List.of(new PropertiesConfigSource(Map.of(
                URL, System.getProperty(REMEMBERED + "url"),
                "quarkus.datasource.username", System.getProperty(REMEMBERED + "username"),
                "quarkus.datasource.password", System.getProperty(REMEMBERED + "password"),
                "quarkus.flyway.username", System.getProperty(REMEMBERED + "owner-username"),
                "quarkus.flyway.password", System.getProperty(REMEMBERED + "owner-password")),
                "local-postgres", 150));
    }

    /**
     * Looked up by a name computed at run time, so that a native image's static analysis never
     * reaches LocalPostgres and the dev-only libraries it uses (they are not packaged).
     */
    private static LocalPostgres startLocalPostgres() {
        try {
            String name = DevDatabaseConfigSourceFactory.class.getPackageName() + ".Local" + "Postgres";
            return (LocalPostgres) Class.forName(name).getMethod("start").invoke(null);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot start a local PostgreSQL for dev mode", e.getCause() == null ? e : e.getCause());
        }
    }
}
