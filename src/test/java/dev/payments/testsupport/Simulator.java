package dev.payments.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The processor simulator (dev.payments.simulator.ProcessorSimulator) as a process of its own, and
 * a client for its ledger and faults. Tests and fault tests start it; its ledger is what the
 * invariants are checked against.
 */
public final class Simulator implements AutoCloseable {

    public static final String API_KEY = "sk_sim_test";
    /** The system property in which TestEnvironment leaves the simulator's URL. */
    static final String URL_PROPERTY = "test.processor.url";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final Process process;
    private final String url;

    private Simulator(Process process, String url) {
        this.process = process;
        this.url = url;
    }

    /** Starts a simulator on {@code port} (0: any free port) and waits until it listens. */
    public static Simulator start(int port, String... options) {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-XX:+UseSerialGC",
                "-cp", System.getProperty("java.class.path"),
                "dev.payments.simulator.ProcessorSimulator", "--port", String.valueOf(port), "--api-key", API_KEY));
        command.addAll(List.of(options));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> listening = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line; (line = out.readLine()) != null;) {
                        if (line.startsWith("PROCESSOR_SIMULATOR_PORT=")) {
                            return line.substring(line.indexOf('=') + 1);
                        }
                        System.out.println("[simulator] " + line);
                    }
                    return null;
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            String actualPort = listening.get(30, TimeUnit.SECONDS);
            if (actualPort == null) {
                throw new IllegalStateException("the processor simulator exited before listening");
            }
            // keep draining its output so that it never blocks on a full pipe
            CompletableFuture.runAsync(() -> out.lines().forEach(line -> System.out.println("[simulator] " + line)));
            return new Simulator(process, "http://127.0.0.1:" + actualPort);
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the processor simulator", e);
        }
    }

    /** The simulator that TestEnvironment started for the service under test. */
    public static Simulator shared() {
        String url = System.getProperty(URL_PROPERTY);
        if (url == null) {
            throw new IllegalStateException("TestEnvironment has not started a processor simulator");
        }
        return new Simulator(null, url);
    }

    public String url() {
        return url;
    }

    public long pid() {
        return process.pid();
    }

    /** The ledger: every charge (with its idempotency key) and refund, and the requests per key. */
    public JsonNode ledger() {
        return json(call("GET", "/_simulator/ledger", null));
    }

    /** The charges the simulator holds for our payment {@code reference}. */
    public List<JsonNode> chargesFor(String reference) {
        List<JsonNode> found = new ArrayList<>();
        ledger().get("charges").forEach(charge -> {
            if (reference.equals(charge.path("reference").asText(null))) {
                found.add(charge);
            }
        });
        return found;
    }

    /** Queues a fault for the next {@code times} requests to {@code path} ("/v1/charges", or a prefix ending in *). */
    public void fault(String kind, int times, String path, long delayMillis) {
        call("POST", "/_simulator/faults", "{\"fault\":\"" + kind + "\",\"times\":" + times + ",\"path\":\"" + path
                + "\",\"delay_ms\":" + delayMillis + "}");
    }

    public void fault(String kind) {
        fault(kind, 1, "/v1/charges", 0);
    }

    public void clearFaults() {
        call("DELETE", "/_simulator/faults", null);
    }

    public void latency(long millis) {
        call("POST", "/_simulator/config", "{\"latency_ms\":" + millis + "}");
    }

    /** The only API key the simulator accepts from now on (a processor whose key was rotated, say). */
    public void acceptOnly(String apiKey) {
        call("POST", "/_simulator/config", "{\"api_key\":\"" + apiKey + "\"}");
    }

    /** Answers every held request; how many there were. */
    public int release() {
        return json(call("POST", "/_simulator/release", null)).get("released").asInt();
    }

    public int held() {
        return json(call("GET", "/_simulator/held", null)).get("held").asInt();
    }

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String call(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw new IllegalStateException(method + " " + path + " answered " + response.statusCode() + ": " + response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills the process (SIGKILL): the fault tests' "processor died". */
    public void kill() {
        process.destroyForcibly();
        try {
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    kill();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
