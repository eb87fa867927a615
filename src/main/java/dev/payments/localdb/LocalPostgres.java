package dev.payments.localdb;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.util.Locale;
import org.jboss.logging.Logger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A real PostgreSQL for dev mode and the tests on any machine with a JDK: a container when a
 * Docker engine answers (Testcontainers), else an embedded server whose binaries come from Maven
 * Central (zonky). Never an in-memory imitation. Production never gets here: it connects to the
 * configured datasource, and these libraries are not packaged.
 *
 * <p>{@code local-postgres.mode} (env {@code LOCAL_POSTGRES_MODE}) forces a choice: {@code auto}
 * (default), {@code docker} or {@code embedded}; {@code local-postgres.image} (env
 * {@code LOCAL_POSTGRES_IMAGE}) names the container image, {@code postgres:17} by default.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(LocalPostgres.class);

    public static final String MODE = "local-postgres.mode";
    public static final String IMAGE = "local-postgres.image";
    private static final String DEFAULT_IMAGE = "postgres:17";

    private final String jdbcUrl;
    private final String username;
    private final String password;
    private final AutoCloseable server;

    private LocalPostgres(String jdbcUrl, String username, String password, AutoCloseable server) {
        this.jdbcUrl = jdbcUrl;
        this.username = username;
        this.password = password;
        this.server = server;
    }

    public static LocalPostgres start() {
        String mode = setting(MODE, "auto").toLowerCase(Locale.ROOT);
        switch (mode) {
            case "docker":
                return container();
            case "embedded":
                return embedded("forced by " + MODE + "=embedded");
            case "auto":
                if (!DockerClientFactory.instance().isDockerAvailable()) {
                    return embedded("no Docker engine answers");
                }
                try {
                    return container();
                } catch (RuntimeException e) {
                    // e.g. the image cannot be pulled: a working database beats a failed start
                    LOG.warnf("Database: a Docker engine answers but the container did not start (%s)", e.toString());
                    return embedded("the container did not start");
                }
            default:
                throw new IllegalArgumentException(MODE + " must be auto, docker or embedded, not " + mode);
        }
    }

    private static LocalPostgres container() {
        DockerImageName image = DockerImageName.parse(setting(IMAGE, DEFAULT_IMAGE)).asCompatibleSubstituteFor("postgres");
        PostgreSQLContainer container = new PostgreSQLContainer(image);
        container.start();
        LOG.infof("Database: Docker engine found, started PostgreSQL container %s with Testcontainers at %s",
                image.asCanonicalNameString(), container.getJdbcUrl());
        return new LocalPostgres(container.getJdbcUrl(), container.getUsername(), container.getPassword(), container::stop);
    }

    private static LocalPostgres embedded(String why) {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            String url = postgres.getJdbcUrl("postgres", "postgres");
            LOG.infof("Database: %s, started embedded PostgreSQL (zonky binaries from Maven Central) at %s", why, url);
            return new LocalPostgres(url, "postgres", "postgres", postgres);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot start an embedded PostgreSQL", e);
        }
    }

    /** A system property, else the environment variable of the same name (upper case, _ for . and -). */
    static String setting(String name, String fallback) {
        String value = System.getProperty(name);
        if (value == null) {
            value = System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    public String jdbcUrl() {
        return jdbcUrl;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    @Override
    public void close() {
        try {
            server.close();
        } catch (Exception e) {
            LOG.warnf("stopping the local PostgreSQL failed: %s", e.toString());
        }
    }
}
