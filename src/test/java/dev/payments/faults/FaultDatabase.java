package dev.payments.faults;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import dev.payments.localdb.LocalPostgres;
import dev.payments.testsupport.FreePorts;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The PostgreSQL container the fault tests stop, freeze and share, on a fixed host port (so it
 * comes back at the same address after a restart), set up with the two roles of production.
 */
final class FaultDatabase extends PaymentRows implements AutoCloseable {

    private final PostgreSQLContainer container;

    private FaultDatabase(PostgreSQLContainer container, int port) {
        super("jdbc:postgresql://127.0.0.1:" + port + "/" + LocalPostgres.DATABASE, container.getUsername(),
                container.getPassword());
        this.container = container;
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

    @Override
    public void close() {
        container.stop();
    }
}
