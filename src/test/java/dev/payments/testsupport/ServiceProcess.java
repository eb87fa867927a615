package dev.payments.testsupport;

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
public final class ServiceProcess implements Service {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public final int port;
    public final int managementPort;
    private final Map<String, String> env;
    /** Configuration as Java system properties (-D), for names an environment variable cannot spell (a map's keys). */
    private final Map<String, String> properties = new HashMap<>();
    private final String name;
    private Process process;

    public ServiceProcess(String name, String jdbcUrl, String username, String password, String ownerUsername, String ownerPassword) {
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
        // the demo merchants in the prod profile: a demo, said so
        env.put("PAYMENTS_DEMO", "true");
        // every instance on one database seals and opens webhook secrets with the same key
        env.put("PAYMENTS_WEBHOOKS_ENCRYPTION_KEY", TestEnvironment.WEBHOOK_ENCRYPTION_KEY);
        // and keep hundreds at once in flight: load shedding has a test of its own
        env.put("PAYMENTS_OVERLOAD_LIMIT", "fixed");
        env.put("PAYMENTS_OVERLOAD_MAX_CONCURRENT_REQUESTS", "100000");
    }

    @Override
    public ServiceProcess with(String name, String value) {
        env.put(name, value);
        return this;
    }

    /** A configuration property more, before {@link #start}, given as a system property. */
    public ServiceProcess withProperty(String name, String value) {
        properties.put(name, value);
        return this;
    }

    @Override
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    @Override
    public ServiceProcess start() throws IOException, InterruptedException {
        process = command().start();
        if (!awaitReady(Duration.ofSeconds(60))) {
            kill();
            throw new IllegalStateException(name + " did not become ready; see target/faults-" + name + ".log");
        }
        return this;
    }

    /** Starts it, expecting it to stop by itself within {@code timeout} (a refusal to start): its exit code. */
    public int startExpectingExit(Duration timeout) throws IOException, InterruptedException {
        process = command().start();
        if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            kill();
            throw new IllegalStateException(name + " did not stop by itself; see " + logFile());
        }
        return process.exitValue();
    }

    /** What it has logged since its last start (the file keeps every start's, and every run's). */
    public String log() throws IOException {
        String all = java.nio.file.Files.readString(logFile().toPath(), java.nio.charset.StandardCharsets.ISO_8859_1);
        return all.substring((int) Math.min(logStart, all.length()));
    }

    private File logFile() {
        return new File("target/faults-" + name + ".log");
    }

    /** Where the log file ended when the process last started. */
    private long logStart;

    private ProcessBuilder command() {
        logStart = logFile().length();
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        properties.forEach((name, value) -> command.add("-D" + name + "=" + value));
        command.addAll(List.of("-jar", "quarkus-run.jar"));
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(new File("target/quarkus-app"))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile()));
        builder.environment().putAll(env);
        return builder;
    }

    /** SIGKILL: no shutdown hook, no draining, like a crashed host. */
    @Override
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
    }

    public int readiness() {
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

    public boolean awaitReadiness(int status, Duration timeout) {
        return Await.until(() -> readiness() == status, timeout);
    }

    /** Ready within {@code timeout}; false as soon as the process has exited. */
    private boolean awaitReady(Duration timeout) {
        return Await.until(() -> !process.isAlive() || readiness() == 200, timeout) && process.isAlive();
    }
}
