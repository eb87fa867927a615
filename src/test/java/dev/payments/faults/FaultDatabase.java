package dev.payments.faults;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.payments.localdb.LocalPostgres;
import dev.payments.testsupport.FreePorts;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.HashMap;
import java.util.Map;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The PostgreSQL container the fault tests stop, freeze and share, on a fixed host port (so it
 * comes back at the same address after a restart), set up with the two roles of production.
 */
final class FaultDatabase implements AutoCloseable {

    private final PostgreSQLContainer container;
    private final int port;

    private FaultDatabase(PostgreSQLContainer container, int port) {
        this.container = container;
        this.port = port;
    }

    static FaultDatabase start() {
        String image = System.getenv().getOrDefault("LOCAL_POSTGRES_IMAGE", "postgres:17");
        int port = FreePorts.next();
        PostgreSQLContainer container = new PostgreSQLContainer(
                DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withPortBindings(new PortBinding(Ports.Binding.bindPort(port), ExposedPort.tcp(5432))));
        container.start();
        LocalPostgres.createRolesAndDatabase("jdbc:postgresql://127.0.0.1:" + port + "/", container.getUsername(),
                container.getPassword());
        return new FaultDatabase(container, port);
    }

    String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + LocalPostgres.DATABASE;
    }

    /** The service as in production: the runtime role, and Flyway as the owner. */
    ServiceProcess service(String name) {
        return new ServiceProcess(name, jdbcUrl(), LocalPostgres.APP, LocalPostgres.APP, LocalPostgres.OWNER,
                LocalPostgres.OWNER);
    }

    void stop() {
        container.getDockerClient().stopContainerCmd(container.getContainerId()).withTimeout(2).exec();
    }

    void startAgain() {
        container.getDockerClient().startContainerCmd(container.getContainerId()).exec();
    }

    void freeze() {
        container.getDockerClient().pauseContainerCmd(container.getContainerId()).exec();
    }

    void thaw() {
        container.getDockerClient().unpauseContainerCmd(container.getContainerId()).exec();
    }

    /** As the container's superuser, which sees every row. */
    Connection connect() throws Exception {
        return DriverManager.getConnection(jdbcUrl(), container.getUsername(), container.getPassword());
    }

    /** Payments per description starting with {@code prefix-}: the fault tests describe each payment by its key. */
    Map<String, Integer> paymentsPerKey(String prefix) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement(
                        "SELECT description, count(*) FROM payments WHERE description LIKE ? GROUP BY description")) {
            s.setString(1, prefix + "-%");
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    counts.put(r.getString(1), r.getInt(2));
                }
            }
        }
        return counts;
    }

    /** Every payment described {@code prefix-...}: description to id, status and charge id. */
    Map<String, String[]> payments(String prefix) throws Exception {
        Map<String, String[]> payments = new HashMap<>();
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement("SELECT description, id::text, status, processor_charge_id "
                        + "FROM payments WHERE description LIKE ?")) {
            s.setString(1, prefix + "-%");
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    payments.put(r.getString(1), new String[] {r.getString(2), r.getString(3), r.getString(4)});
                }
            }
        }
        return payments;
    }

    /** The id of the payment described {@code description}, or null. */
    String paymentId(String description) throws Exception {
        return column("id::text", description);
    }

    /** The status of the payment described {@code description}, or null. */
    String paymentStatus(String description) throws Exception {
        return column("status", description);
    }

    private String column(String column, String description) throws Exception {
        try (Connection c = connect();
                PreparedStatement s = c.prepareStatement("SELECT " + column + " FROM payments WHERE description = ?")) {
            s.setString(1, description);
            try (ResultSet r = s.executeQuery()) {
                return r.next() ? r.getString(1) : null;
            }
        }
    }

    /** The one text value a query answers, or null. */
    String text(String sql) throws Exception {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            return r.next() ? r.getString(1) : null;
        }
    }

    /** The first column of every row a query answers, as text. */
    java.util.List<String> list(String sql) throws Exception {
        java.util.List<String> values = new java.util.ArrayList<>();
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            while (r.next()) {
                values.add(r.getString(1));
            }
        }
        return values;
    }

    long number(String sql) throws Exception {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql); ResultSet r = s.executeQuery()) {
            r.next();
            return r.getLong(1);
        }
    }

    @Override
    public void close() {
        container.stop();
    }
}
