package dev.payments.faults;

import dev.payments.testsupport.FreePorts;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The packaged application (target/quarkus-app) as a separate process, as it runs in production. */
final class ServiceProcess {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    final int port;
    final int managementPort;
    private final Map<String, String> env;
    private final String name;
    private Process process;

    ServiceProcess(String name, String jdbcUrl, String username, String password, String ownerUsername, String ownerPassword) {
        this.name = name;
        this.port = FreePorts.next();
        this.managementPort = FreePorts.next();
        this.env = new HashMap<>(Map.of(
                "QUARKUS_DATASOURCE_JDBC_URL", jdbcUrl,
                "QUARKUS_DATASOURCE_USERNAME", username,
                "QUARKUS_DATASOURCE_PASSWORD", password,
                "QUARKUS_FLYWAY_USERNAME", ownerUsername,
                "QUARKUS_FLYWAY_PASSWORD", ownerPassword,
                "PAYMENTS_DEMO_MERCHANTS", "true",
                // the clients are one merchant sending hundreds of requests a second, on purpose
                "PAYMENTS_RATE_LIMIT_REQUESTS_PER_SECOND", "100000",
                "PAYMENTS_RATE_LIMIT_BURST", "100000",
                "QUARKUS_HTTP_PORT", String.valueOf(port),
                "QUARKUS_MANAGEMENT_PORT", String.valueOf(managementPort)));
        // and keep hundreds at once in flight: load shedding has a test of its own
        env.put("PAYMENTS_OVERLOAD_LIMIT", "fixed");
        env.put("PAYMENTS_OVERLOAD_MAX_CONCURRENT_REQUESTS", "100000");
    }

    /** An environment variable more, before {@link #start}: the processor's URL, say. */
    ServiceProcess with(String name, String value) {
        env.put(name, value);
        return this;
    }

    String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    ServiceProcess start() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", "quarkus-run.jar"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(new File("target/quarkus-app"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/faults-" + name + ".log")));
        builder.environment().putAll(env);
        process = builder.start();
        if (!awaitReady(Duration.ofSeconds(60))) {
            throw new IllegalStateException(name + " did not become ready; see target/faults-" + name + ".log");
        }
        return this;
    }

    /** SIGKILL: no shutdown hook, no draining, like a crashed host. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
    }

    int readiness() {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    boolean awaitReadiness(int status, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (readiness() == status) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

    private boolean awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                return false;
            }
            if (readiness() == 200) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }

}
