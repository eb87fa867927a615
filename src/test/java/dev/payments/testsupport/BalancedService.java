package dev.payments.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Several instances of the packaged service, all with the same configuration, behind HAProxy as
 * the HTTP load balancer (docker/ha/ha.sh balancer: round robin over the ready ones, a request
 * whose instance died unanswered sent to another, its own answers problem+json). The balancer
 * outlives the instances: killed and started again, they come back at the same ports.
 */
public final class BalancedService implements Service {

    private final String name;
    private final List<ServiceProcess> instances = new ArrayList<>();
    private final int port = FreePorts.next();
    private final Path dir;
    private ProcessHandle balancer;

    public BalancedService(String name, int count, Function<String, ServiceProcess> process) {
        this.name = name;
        for (int i = 1; i <= count; i++) {
            instances.add(process.apply(name + "-" + i));
        }
        // short: the stats socket's path must fit in 97 characters
        this.dir = Path.of("target", "balancer-" + port).toAbsolutePath();
    }

    /** Instance {@code index} (from 0), to strike alone. */
    public ServiceProcess instance(int index) {
        return instances.get(index);
    }

    @Override
    public BalancedService with(String variable, String value) {
        instances.forEach(instance -> instance.with(variable, value));
        return this;
    }

    /** A configuration property more for every instance (a system property), before {@link #start}. */
    public BalancedService withProperty(String property, String value) {
        instances.forEach(instance -> instance.withProperty(property, value));
        return this;
    }

    /** The balancer's port. */
    public int port() {
        return port;
    }

    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * Starts every instance at once, the balancer if it is not running, and waits until it routes
     * to them; if any of that fails, stops what it started (no instance outlives a failed start).
     */
    @Override
    public BalancedService start() throws IOException, InterruptedException {
        try {
            startAll();
            return this;
        } catch (IOException | InterruptedException | RuntimeException e) {
            stop();
            throw e;
        }
    }

    private void startAll() throws IOException, InterruptedException {
        ExecutorService starting = Executors.newFixedThreadPool(instances.size());
        try {
            List<Future<?>> started = new ArrayList<>();
            for (ServiceProcess instance : instances) {
                started.add(starting.submit(() -> instance.start()));
            }
            for (Future<?> instance : started) {
                instance.get(120, TimeUnit.SECONDS);
            }
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException(name + ": an instance did not start", e);
        } finally {
            // every start has returned (or thrown) before a failed start stops what is running
            starting.shutdownNow();
            starting.awaitTermination(90, TimeUnit.SECONDS);
        }
        if (balancer == null || !balancer.isAlive()) {
            startBalancer();
        }
        awaitRouting(Duration.ofSeconds(30));
    }

    @Override
    public void kill() throws InterruptedException {
        for (ServiceProcess instance : instances) {
            instance.kill();
        }
    }

    @Override
    public void stop() throws InterruptedException {
        for (ServiceProcess instance : instances) {
            instance.stop();
        }
        if (balancer != null) {
            balancer.destroy();
            balancer.onExit().orTimeout(30, TimeUnit.SECONDS).exceptionally(timeout -> {
                balancer.destroyForcibly();
                return balancer;
            }).join();
        }
    }

    private void startBalancer() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker/ha/ha.sh", "balancer", String.valueOf(port)));
        instances.forEach(instance -> command.add(instance.port + ":" + instance.managementPort));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/balancer.log")));
        builder.environment().put("HA_DIR", dir.toString());
        Process script = builder.start();
        boolean started = script.waitFor(120, TimeUnit.SECONDS) && script.exitValue() == 0;
        Path pidFile = dir.resolve("balancer.pid");
        if (Files.exists(pidFile)) {
            balancer = ProcessHandle.of(Long.parseLong(Files.readString(pidFile).trim())).orElse(null);
        }
        if (!started || balancer == null) {
            script.destroyForcibly();
            throw new IllegalStateException("the balancer did not start; see target/balancer.log");
        }
    }

    /** Until the balancer has seen every instance ready (its stats socket says UP for each) and routes to them. */
    private void awaitRouting(Duration timeout) throws IOException, InterruptedException {
        if (!Await.until(() -> balancerStats().lines()
                .filter(line -> line.startsWith("api,app") && line.contains(",UP,")).count() == instances.size(), timeout)) {
            throw new IllegalStateException(name + ": the balancer does not see all " + instances.size()
                    + " instances ready after " + timeout + ":\n" + balancerStats());
        }
    }

    /** HAProxy's "show stat" (CSV, a line per server) from its stats socket. */
    private String balancerStats() throws IOException {
        try (SocketChannel socket = SocketChannel.open(UnixDomainSocketAddress.of(dir.resolve("balancer.sock")))) {
            socket.write(ByteBuffer.wrap("show stat\n".getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream answer = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(8192);
            while (socket.read(buffer) > 0) {
                answer.write(buffer.array(), 0, buffer.position());
                buffer.clear();
            }
            return answer.toString(StandardCharsets.US_ASCII);
        }
    }
}
