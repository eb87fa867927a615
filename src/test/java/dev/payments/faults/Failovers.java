package dev.payments.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.payments.testsupport.BalancedService;
import dev.payments.testsupport.FreePorts;
import dev.payments.testsupport.ServiceProcess;
import dev.payments.testsupport.Simulator;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Database failover under load, on a real highly available PostgreSQL (docker/ha/ha.sh: Patroni with
 * etcd, synchronous replication, HAProxy routing to the primary). The packaged service reaches the
 * database through HAProxy and charges through the processor simulator, while clients retry every
 * failure with its key. The primary is SIGKILLed, cut off from the network (iptables on its
 * loopback ports), or switched over (also through PgBouncer, and with a multi-host JDBC URL instead
 * of HAProxy); after each, every payment acknowledged before, during and
 * after is on the new primary with its answered id, exactly one per key, exactly one charge per key,
 * no 500; and writes were unavailable for a bounded time (measured from the fault to the first
 * payment created after it). Run with {@code ./mvnw verify -Pha}.
 */
class Failovers {

    private static final Duration TRAFFIC_DEADLINE = Duration.ofSeconds(240);
    private static final int PAYMENTS_AROUND_FAULT = 50;
    /** Patroni's leader key lives 10 s (ha.sh's ttl); then a replica is promoted and HAProxy sees it within a second. */
    private static final Duration KILL_UNAVAILABLE_AT_MOST = Duration.ofSeconds(30);
    private static final Duration SWITCHOVER_UNAVAILABLE_AT_MOST = Duration.ofSeconds(5);
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private static HaCluster cluster;
    private static FailoverDrill drill;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = HaCluster.start(true, 0);
        drill = new FailoverDrill(cluster);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void primaryKilledUnderLoad() throws Exception {
        underLoad("primary SIGKILLed", KILL_UNAVAILABLE_AT_MOST, FailoverDrill.killPrimary(cluster));
    }

    @Test
    void primaryCutOffUnderLoad() throws Exception {
        underLoad("primary cut off", KILL_UNAVAILABLE_AT_MOST, () -> {
            cluster.partitionPrimary();
            return cluster::heal;
        });
    }

    @Test
    void plannedSwitchoverUnderLoad() throws Exception {
        underLoad("planned switchover", SWITCHOVER_UNAVAILABLE_AT_MOST, () -> {
            cluster.switchover();
            return () -> { };
        });
    }

    /**
     * The switchover again, with PgBouncer in transaction pooling mode between the service and
     * HAProxy: a server connection is the service's for one transaction only, so nothing may rely on
     * a session. The time limits come from the role's defaults (which every server session gets), the
     * driver prepares no named statement ({@code prepareThreshold=0}), and Flyway, which locks with a
     * session's advisory lock, migrates through HAProxy directly.
     */
    @Test
    void switchoverThroughPgBouncer() throws Exception {
        int port = FreePorts.next();
        cluster.pgbouncer(port);
        String pooled = "jdbc:postgresql://127.0.0.1:" + port + "/payments?prepareThreshold=0";
        underLoad("switchover through PgBouncer", SWITCHOVER_UNAVAILABLE_AT_MOST,
                service -> service.with("QUARKUS_DATASOURCE_JDBC_URL", pooled)
                        .with("QUARKUS_FLYWAY_JDBC_URL", cluster.database().jdbcUrl()),
                () -> {
                    assertEquals("2500ms", new PaymentRows(pooled, "payments_app", "payments_app")
                            .text("SELECT current_setting('statement_timeout')"), "the role's limit, in a pooled session");
                    cluster.switchover();
                    return () -> { };
                });
    }

    /**
     * The switchover again, without HAProxy: the JDBC URL lists the three servers and asks for the
     * primary ({@code targetServerType=primary}), so a new connection finds whichever is primary now,
     * and the old primary's connections end when Patroni restarts it as a replica.
     */
    @Test
    void switchoverWithAMultiHostUrl() throws Exception {
        String multiHost = cluster.multiHostUrl();
        underLoad("switchover, multi-host JDBC URL", SWITCHOVER_UNAVAILABLE_AT_MOST,
                service -> service.with("QUARKUS_DATASOURCE_JDBC_URL", multiHost).with("QUARKUS_FLYWAY_JDBC_URL", multiHost),
                () -> {
                    cluster.switchover();
                    return () -> { };
                });
    }

    /**
     * Three instances behind HAProxy (HTTP, round robin over the ready ones), all on the cluster; one
     * is SIGKILLed under load. The balancer sends what the dead one left unanswered to the others,
     * the clients retry the rest, and the others' recovery finishes its payments left processing.
     */
    @Test
    void instanceKilledBehindTheBalancer() throws Exception {
        try (Simulator simulator = Simulator.start(0)) {
            BalancedService service = new BalancedService("ha-instance", 3, name -> drill.service(name, simulator));
            RetryingClients clients = new RetryingClients();
            try {
                service.start();
                clients.start("ha-instance-killed-" + System.currentTimeMillis(), 16, List.of(service.baseUrl()),
                        TRAFFIC_DEADLINE);
                assertTrue(clients.awaitInFlight(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(60)), "traffic before the kill");
                long struck = System.nanoTime();
                service.instance(0).kill();
                assertTrue(clients.awaitMoreCreated(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(90)),
                        "payments made by the other two: " + clients.summary());
                clients.stop(Duration.ofSeconds(120));
                System.out.printf("[ha] instance SIGKILLed behind the balancer: longest time without a new payment %d ms%n",
                        clients.longestGapAfter(struck));
                cluster.database().assertClean("three instances, one SIGKILLed", clients, simulator, SETTLE);
            } finally {
                clients.stop(Duration.ofSeconds(120));
                service.stop();
            }
        }
    }

    /** The drill, and its invariants after: nothing lost, nothing doubled, writes back within the bound. */
    private static void underLoad(String fault, Duration unavailableAtMost, FailoverDrill.Fault strike) throws Exception {
        underLoad(fault, unavailableAtMost, service -> service, strike);
    }

    private static void underLoad(String fault, Duration unavailableAtMost, UnaryOperator<ServiceProcess> configure,
            FailoverDrill.Fault strike) throws Exception {
        long unavailable = drill.run(fault, configure, strike,
                (clients, simulator) -> cluster.database().assertClean("failover, " + fault, clients, simulator, SETTLE));
        assertTrue(unavailable <= unavailableAtMost.toMillis(),
                "writes unavailable for " + unavailable + " ms, at most " + unavailableAtMost.toMillis());
    }
}
