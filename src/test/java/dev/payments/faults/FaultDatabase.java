package dev.payments.faults;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.payments.localdb.LocalPostgres;
import dev.payments.testsupport.FreePorts;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The PostgreSQL container the fault tests stop, freeze and share, on a fixed host port (so it
 * comes back at the same address after a restart), set up with the two roles of production. The
 * one setup of every fault test class: {@code @RegisterExtension static final FaultDatabase
 * database = FaultDatabase.forEachClass();} starts it before the class's tests and removes it
 * after them.
 */
final class FaultDatabase extends PaymentRows implements BeforeAllCallback, AfterAllCallback {

    private final PostgreSQLContainer container;
    private final int port;

    private FaultDatabase(PostgreSQLContainer container, int port) {
        super("jdbc:postgresql://127.0.0.1:" + port + "/" + LocalPostgres.DATABASE, container.getUsername(),
                container.getPassword());
        this.container = container;
        this.port = port;
    }

    static FaultDatabase forEachClass() {
        String image = System.getenv().getOrDefault("LOCAL_POSTGRES_IMAGE", "postgres:17");
        int port = FreePorts.next();
        PostgreSQLContainer container = new PostgreSQLContainer(
                DockerImageName.parse(image).asCompatibleSubstituteFor("postgres"))
                .withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                        .withPortBindings(new PortBinding(Ports.Binding.bindPort(port), ExposedPort.tcp(5432))));
        return new FaultDatabase(container, port);
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        container.start();
        LocalPostgres.createRolesAndDatabase("jdbc:postgresql://127.0.0.1:" + port + "/", container.getUsername(),
                container.getPassword());
    }

    @Override
    public void afterAll(ExtensionContext context) {
        container.stop();
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
}
