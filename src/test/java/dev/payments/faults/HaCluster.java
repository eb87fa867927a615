package dev.payments.faults;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.testsupport.Await;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The highly available PostgreSQL of docker/ha/ha.sh (etcd, three PostgreSQL servers under Patroni,
 * HAProxy in front), started and stopped by that script, and struck by the failover tests: the
 * primary killed, switched over, cut off. Patroni's REST API says who is the primary.
 */
final class HaCluster implements AutoCloseable {

    /** HAProxy's port for the primary (docker/ha/ha.sh). */
    static final int PRIMARY_PORT = 54400;
    private static final int FIRST_REST_PORT = 58008;
    private static final int NODES = 3;
    /** The cluster's files (docker/ha/ha.sh's HA_DIR): a directory the postgres user can read. */
    private static final Path DIR = Path.of(System.getenv().getOrDefault("HA_DIR", "target/ha")).toAbsolutePath();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    private volatile boolean synchronous;
    /** Each node's link delays every byte this long each way (docker/ha/delay.py), or 0: none. */
    private final int replicationDelayMs;

    private HaCluster(boolean synchronous, int replicationDelayMs) {
        this.synchronous = synchronous;
        this.replicationDelayMs = replicationDelayMs;
    }

    /** Starts the cluster: synchronous replication or not, over links delayed {@code replicationDelayMs} each way (or 0). */
    static HaCluster start(boolean synchronous, int replicationDelayMs) throws IOException, InterruptedException {
        HaCluster cluster = new HaCluster(synchronous, replicationDelayMs);
        cluster.script(Duration.ofMinutes(5), "start");
        return cluster;
    }

    /**
     * Switches synchronous replication on or off in Patroni's dynamic configuration (PATCH /config),
     * and waits until the primary has applied it: a synchronous standby named, or none.
     */
    void synchronousMode(boolean on) throws Exception {
        command(primaryToStrike(), "PATCH", "/config", "{\"synchronous_mode\":" + on + "}", Duration.ofSeconds(10));
        synchronous = on;
        if (Await.until(() -> {
            String names = database().text("SHOW synchronous_standby_names");
            return on != (names == null || names.isBlank());
        }, Duration.ofSeconds(30))) {
            return;
        }
        throw new IllegalStateException("synchronous_mode " + on + " not applied by the primary in 30 s: " + status());
    }

    /** The payments database without HAProxy: every server in the URL, and the driver connects to the primary. */
    String multiHostUrl() {
        StringBuilder hosts = new StringBuilder();
        for (int node = 1; node <= NODES; node++) {
            hosts.append(node > 1 ? "," : "").append("127.0.0.1:").append(PRIMARY_PORT + node);
        }
        return "jdbc:postgresql://" + hosts + "/payments?targetServerType=primary";
    }

    /** The payments database through HAProxy, as its superuser. */
    PaymentRows database() {
        return new PaymentRows("jdbc:postgresql://127.0.0.1:" + PRIMARY_PORT + "/payments", "postgres", "postgres");
    }

    /** The node (1 to 3) Patroni says is the primary, or 0 while there is none. */
    int primary() {
        for (int node = 1; node <= NODES; node++) {
            JsonNode state = rest(node, "/patroni");
            // "master" before Patroni 3.1 (Debian 12 packages 3.0), "primary" after
            if (state != null && List.of("primary", "master").contains(state.path("role").asText())) {
                return node;
            }
        }
        return 0;
    }

    int awaitPrimary(Duration timeout) {
        Await.until(() -> primary() != 0, timeout);
        return primary();
    }

    /** The primary node, to strike: there must be one. */
    private int primaryToStrike() {
        int node = primary();
        if (node == 0) {
            throw new IllegalStateException("no primary to strike: " + status());
        }
        return node;
    }

    /**
     * SIGKILL to the primary's Patroni and its PostgreSQL together, and to its delayed link if it
     * has one (with the bytes on their way to the replicas): a crashed database host.
     */
    int killPrimary() throws Exception {
        int node = primaryToStrike();
        List<Long> pids = new java.util.ArrayList<>(List.of(patroni(node), pidIn("pg" + node + "/data/postmaster.pid")));
        if (replicationDelayMs > 0) {
            pids.add(pidIn("link" + node + ".pid"));
        }
        for (long pid : pids) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
        return node;
    }

    private static long pidIn(String file) throws IOException {
        return Long.parseLong(Files.readAllLines(DIR.resolve(file)).get(0).trim());
    }

    /** A planned switchover to a replica (the synchronous one, in synchronous mode), through Patroni's REST API. */
    void switchover() throws Exception {
        int node = primaryToStrike();
        command(node, "POST", "/switchover", "{\"leader\":\"pg" + node + "\"}", Duration.ofSeconds(30));
    }

    /** A JSON request that changes the cluster, to node {@code node}'s Patroni REST API: it must answer 200. */
    private static void command(int node, String method, String path, String json, Duration timeout) throws Exception {
        HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(restUri(node, path))
                        .timeout(timeout)
                        .header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() != 200) {
            throw new IllegalStateException(method + " " + path + " refused: " + answer.statusCode() + " " + answer.body());
        }
    }

    /** Cuts the primary off from the service, the replicas and etcd (docker/ha/ha.sh partition). */
    int partitionPrimary() throws IOException, InterruptedException {
        int node = primaryToStrike();
        script(Duration.ofSeconds(60), "partition", String.valueOf(node));
        return node;
    }

    void heal() throws IOException, InterruptedException {
        script(Duration.ofSeconds(30), "heal");
    }

    /** PgBouncer on {@code port}, transaction pooling, in front of HAProxy (docker/ha/ha.sh pgbouncer). */
    void pgbouncer(int port) throws IOException, InterruptedException {
        script(Duration.ofSeconds(60), "pgbouncer", String.valueOf(port));
    }

    void startNode(int node) throws IOException, InterruptedException {
        script(Duration.ofSeconds(30), "start-node", String.valueOf(node));
    }

    /** A primary and two streaming replicas again (one of them synchronous, in synchronous mode). */
    boolean awaitHealthy(Duration timeout) {
        return Await.until(() -> {
            for (int node = 1; node <= NODES; node++) {
                JsonNode cluster = rest(node, "/cluster");
                if (cluster != null && healthy(cluster.path("members"))) {
                    return true;
                }
            }
            return false;
        }, timeout);
    }

    private boolean healthy(JsonNode members) {
        int leaders = 0;
        int streaming = 0;
        boolean sync = false;
        for (JsonNode member : members) {
            String role = member.path("role").asText();
            String state = member.path("state").asText();
            leaders += role.equals("leader") && state.equals("running") ? 1 : 0;
            if ((role.equals("replica") || role.equals("sync_standby")) && (state.equals("streaming") || state.equals("running"))
                    && member.path("lag").asLong(Long.MAX_VALUE) < 1024 * 1024) {
                streaming++;
            }
            sync |= role.equals("sync_standby");
        }
        return leaders == 1 && streaming == 2 && (sync || !synchronous);
    }

    String status() {
        JsonNode cluster = null;
        for (int node = 1; node <= NODES && cluster == null; node++) {
            cluster = rest(node, "/cluster");
        }
        return cluster == null ? "no node answers" : cluster.path("members").toString();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        script(Duration.ofMinutes(2), "stop");
    }

    /** The pid of node {@code node}'s Patroni, from the process table (the script's pid file names its runuser). */
    private static long patroni(int node) throws IOException {
        String config = DIR.resolve("pg" + node + ".yml").toString();
        try (var procs = Files.list(Path.of("/proc"))) {
            for (Path proc : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String command = new String(Files.readAllBytes(proc.resolve("cmdline")), StandardCharsets.UTF_8);
                    if (command.contains("patroni") && command.contains(config) && !command.contains("runuser")) {
                        return Long.parseLong(proc.getFileName().toString());
                    }
                } catch (IOException gone) {
                    // the process ended while the table was read
                }
            }
        }
        throw new IllegalStateException("no Patroni running for node " + node);
    }

    private static URI restUri(int node, String path) {
        return URI.create("http://127.0.0.1:" + (FIRST_REST_PORT + node - 1) + path);
    }

    private static JsonNode rest(int node, String path) {
        try {
            HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(restUri(node, path)).timeout(Duration.ofSeconds(1)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(answer.body());
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private void script(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("docker/ha/ha.sh"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(new File("target/ha-script.log")));
        builder.environment().put("HA_DIR", DIR.toString());
        builder.environment().put("HA_SYNC", String.valueOf(synchronous));
        builder.environment().put("HA_REPLICATION_DELAY_MS", String.valueOf(replicationDelayMs));
        Process process = builder.start();
        if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("docker/ha/ha.sh " + String.join(" ", args) + " did not finish in " + timeout);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("docker/ha/ha.sh " + String.join(" ", args) + " failed; see target/ha-script.log");
        }
    }
}
