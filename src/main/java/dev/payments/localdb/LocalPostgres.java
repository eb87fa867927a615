package dev.payments.localdb;

import com.github.dockerjava.api.DockerClient;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.TestcontainersConfiguration;

/**
 * A real PostgreSQL for dev mode and the tests on any machine with a JDK: a container when a
 * Docker engine answers and can provide the images (Testcontainers), else an embedded server
 * whose binaries come from Maven Central (zonky). Never an in-memory imitation. Production never
 * gets here: it connects to the configured datasource, and these libraries are not packaged.
 *
 * <p>Either way it holds a database {@code payments} owned by the role {@code payments_owner},
 * which Flyway migrates as, and a role {@code payments_app} without DDL rights, which the service
 * runs as: the production setup, in miniature.
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
    /** An image that is not on the machine gets this long to arrive before auto mode gives up on Docker. */
    private static final long PULL_TIMEOUT_SECONDS = 30;
    /**
     * The image of Testcontainers' resource reaper, which it pulls (retrying for two minutes) before
     * its first container: the one this Testcontainers version (2.0) starts, unless configured otherwise.
     */
    private static final String RYUK_IMAGE = "testcontainers/ryuk:0.14.0";

    public static final String DATABASE = "payments";
    public static final String OWNER = "payments_owner";
    public static final String APP = "payments_app";

    private final String jdbcUrl;
    private final String adminUsername;
    private final String adminPassword;
    private final String description;
    private final AutoCloseable server;

    private LocalPostgres(String jdbcUrl, String adminUsername, String adminPassword, String description,
            AutoCloseable server) {
        this.jdbcUrl = jdbcUrl;
        this.adminUsername = adminUsername;
        this.adminPassword = adminPassword;
        this.description = description;
        this.server = server;
    }

    public static LocalPostgres start() {
        return start(setting(MODE, "auto").toLowerCase(Locale.ROOT), setting(IMAGE, DEFAULT_IMAGE));
    }

    public static LocalPostgres start(String mode, String image) {
        LocalPostgres postgres = switch (mode) {
            case "docker" -> container(image, "forced by " + MODE + "=docker");
            case "embedded" -> embedded("forced by " + MODE + "=embedded");
            case "auto" -> auto(image);
            default -> throw new IllegalArgumentException(MODE + " must be auto, docker or embedded, not " + mode);
        };
        createRolesAndDatabase(postgres.jdbcUrl, postgres.adminUsername, postgres.adminPassword);
        LOG.infof("Database: %s; database %s, owner %s (migrations), runtime role %s", postgres.description,
                DATABASE, OWNER, APP);
        return postgres;
    }

    private static LocalPostgres auto(String image) {
        DockerClient docker = dockerWithoutReaper();
        if (docker == null) {
            return embedded("no Docker engine answers");
        }
        String missing = missingImage(docker, image);
        if (missing != null) {
            return embedded("a Docker engine answers, but " + missing);
        }
        try {
            return container(image, "Docker engine found");
        } catch (RuntimeException e) {
            // a working database beats a failed start
            return embedded("a Docker engine answers, but the container did not start (" + oneLine(e.getMessage()) + ")");
        }
    }

    /**
     * Why a container cannot be had quickly, or null: every image it needs (PostgreSQL's, and
     * Ryuk's unless TESTCONTAINERS_RYUK_DISABLED) is on the machine or arrives within
     * {@link #PULL_TIMEOUT_SECONDS}. Testcontainers itself would wait minutes for a registry that
     * does not answer.
     */
    private static String missingImage(DockerClient docker, String image) {
        List<String> needed = new ArrayList<>(List.of(image));
        TestcontainersConfiguration testcontainers = TestcontainersConfiguration.getInstance();
        if (!Boolean.parseBoolean(testcontainers.getEnvVarOrProperty("ryuk.disabled", "false"))) {
            needed.add(testcontainers.getEnvVarOrProperty("ryuk.container.image", RYUK_IMAGE));
        }
        for (String name : needed) {
            try {
                docker.inspectImageCmd(name).exec();
                continue;
            } catch (RuntimeException notHere) {
                // not on the machine: try to pull it, briefly
            }
            try {
                if (!docker.pullImageCmd(name).start().awaitCompletion(PULL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                    return "image " + name + " is not on this machine and was not pulled within "
                            + PULL_TIMEOUT_SECONDS + "s";
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return "pulling image " + name + " was interrupted";
            } catch (RuntimeException e) {
                return "image " + name + " is not on this machine and cannot be pulled (" + oneLine(e.getMessage()) + ")";
            }
        }
        return null;
    }

    /** Whether a Docker engine answers, asked without starting anything (see {@link #dockerWithoutReaper}). */
    public static boolean dockerAnswers() {
        return dockerWithoutReaper() != null;
    }

    /**
     * A client of the Docker engine, or null if none answers. Not DockerClientFactory's client
     * (nor its isDockerAvailable): getting that one starts Testcontainers' resource reaper, which
     * first waits minutes for its image when the registry cannot be reached.
     */
    private static DockerClient dockerWithoutReaper() {
        try {
            DockerClient docker = DockerClientProviderStrategy.getClientForConfig(
                    DockerClientFactory.instance().getTransportConfig());
            docker.pingCmd().exec();
            return docker;
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static LocalPostgres container(String imageName, String why) {
        DockerImageName image = DockerImageName.parse(imageName).asCompatibleSubstituteFor("postgres");
        PostgreSQLContainer container = new PostgreSQLContainer(image);
        container.start();
        String url = "jdbc:postgresql://" + container.getHost() + ":" + container.getMappedPort(5432) + "/";
        return new LocalPostgres(url, container.getUsername(), container.getPassword(),
                why + ", started PostgreSQL container " + image.asCanonicalNameString() + " with Testcontainers at " + url,
                container::stop);
    }

    private static LocalPostgres embedded(String why) {
        try {
            EmbeddedPostgres postgres = EmbeddedPostgres.builder().start();
            String url = "jdbc:postgresql://localhost:" + postgres.getPort() + "/";
            return new LocalPostgres(url, "postgres", "postgres",
                    why + ", started embedded PostgreSQL (zonky binaries from Maven Central) at " + url, postgres);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot start an embedded PostgreSQL", e);
        }
    }

    /**
     * The two roles and the database, as a DBA would create them on the server at {@code serverUrl}
     * (a JDBC URL without a database name); the rest is Flyway's.
     */
    public static void createRolesAndDatabase(String serverUrl, String adminUsername, String adminPassword) {
        try (Connection admin = DriverManager.getConnection(serverUrl + "postgres", adminUsername, adminPassword);
                Statement sql = admin.createStatement()) {
            sql.execute("CREATE ROLE " + OWNER + " LOGIN PASSWORD '" + OWNER + "'");
            sql.execute("CREATE ROLE " + APP + " LOGIN PASSWORD '" + APP + "'");
            sql.execute("CREATE DATABASE " + DATABASE + " OWNER " + OWNER);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create the roles and the database", e);
        }
    }

    private static String oneLine(String message) {
        return message == null ? "no reason given" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    /** A system property, else the environment variable of the same name (upper case, _ for . and -). */
    static String setting(String name, String fallback) {
        String value = System.getProperty(name);
        if (value == null) {
            value = System.getenv(name.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
        }
        return value == null || value.isBlank() ? fallback : value.trim();
    }

    /** The payments database. */
    public String jdbcUrl() {
        return jdbcUrl + DATABASE;
    }

    /** The role the service runs as: reads and writes rows, no DDL. */
    public String appUsername() {
        return APP;
    }

    public String appPassword() {
        return APP;
    }

    /** The schema's owner, which Flyway migrates as. */
    public String ownerUsername() {
        return OWNER;
    }

    public String ownerPassword() {
        return OWNER;
    }

    /** The server's superuser, for tests that look at other sessions (pg_stat_activity). */
    public String adminUsername() {
        return adminUsername;
    }

    public String adminPassword() {
        return adminPassword;
    }

    /** How this database was chosen and where it runs, as the {@code Database:} log line says. */
    public String description() {
        return description;
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
