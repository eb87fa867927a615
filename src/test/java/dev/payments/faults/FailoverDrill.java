package dev.payments.faults;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.payments.testsupport.ServiceProcess;
import dev.payments.testsupport.Simulator;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * One database failover under load, on the cluster of docker/ha/ha.sh: the packaged service on the
 * cluster (through HAProxy), charging through the processor simulator, 16 clients retrying every
 * failure with its key; the fault strikes once payments were answered and requests are in flight;
 * the clients stop only after more payments were made on the new primary; then the verdict; then
 * the struck node is repaired and the cluster is whole again before the next drill.
 */
final class FailoverDrill {

    private static final Duration TRAFFIC_DEADLINE = Duration.ofSeconds(240);
    private static final int PAYMENTS_AROUND_FAULT = 50;

    interface Fault {
        /** Strikes, and says how to repair what it broke once the service has recovered. */
        Repair strike() throws Exception;
    }

    interface Repair {
        void run() throws Exception;
    }

    interface Verdict {
        /** What must hold once the clients stopped: the invariants, or a count of what was lost. */
        void judge(RetryingClients clients, Simulator simulator) throws Exception;
    }

    /** The primary's host crashes (HaCluster.killPrimary); the repair starts it again, and it rejoins as a replica. */
    static Fault killPrimary(HaCluster cluster) {
        return () -> {
            int killed = cluster.killPrimary();
            return () -> cluster.startNode(killed);
        };
    }

    private final HaCluster cluster;

    FailoverDrill(HaCluster cluster) {
        this.cluster = cluster;
    }

    /** The service as the drills run it: on the cluster, charging through {@code simulator}, recovering fast. */
    ServiceProcess service(String name, Simulator simulator) {
        return cluster.database().service(name)
                .with("PAYMENTS_PROCESSOR_URL", simulator.url())
                .with("PAYMENTS_PROCESSOR_API_KEY", Simulator.API_KEY)
                .with("PAYMENTS_PROCESSOR_RECOVERY_INTERVAL", "1s")
                .with("PAYMENTS_PROCESSOR_RECOVERY_AFTER", "2s");
    }

    /** Runs the drill; answers how long writes were unavailable, in milliseconds (the longest time without a new payment). */
    long run(String fault, UnaryOperator<ServiceProcess> configure, Fault strike, Verdict verdict) throws Exception {
        String name = fault.replaceAll("[^a-z0-9]+", "-");
        // a ledger of this drill's charges only: every charge in it must be one of its payments
        try (Simulator simulator = Simulator.start(0)) {
            ServiceProcess service = configure.apply(service("ha-" + name, simulator)).start();
            RetryingClients clients = new RetryingClients();
            Repair repair = null;
            try {
                int before = cluster.primary();
                clients.start("ha-" + name + "-" + System.currentTimeMillis(), 16, List.of(service.baseUrl()), TRAFFIC_DEADLINE);
                assertTrue(clients.awaitInFlight(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(60)), "traffic before the fault");
                long struck = System.nanoTime();
                repair = strike.strike();
                int after = cluster.awaitPrimary(Duration.ofSeconds(60));
                assertTrue(after != 0 && after != before, "a new primary: pg" + after + " after pg" + before + "; " + cluster.status());
                assertTrue(clients.awaitMoreCreated(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(90)),
                        "payments made on the new primary: " + clients.summary());
                clients.stop(Duration.ofSeconds(120));
                long unavailable = clients.longestGapAfter(struck);
                System.out.printf("[ha] %s: pg%d -> pg%d, writes unavailable for %d ms%n", fault, before, after, unavailable);
                verdict.judge(clients, simulator);
                return unavailable;
            } finally {
                clients.stop(Duration.ofSeconds(120));
                service.stop();
                if (repair != null) {
                    repair.run();
                }
                assertTrue(cluster.awaitHealthy(Duration.ofSeconds(120)), "the cluster whole again: " + cluster.status());
            }
        }
    }
}
