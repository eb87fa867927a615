package dev.payments.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Why synchronous replication is the default, shown rather than said: the primary SIGKILLed under
 * load, with its host's link (and what is on it), on a cluster whose servers are {@value #DELAY_MS}
 * ms apart each way (docker/ha/delay.py on every replication connection: replicas in another
 * region). On loopback replicas never lag, so an asynchronous cluster would lose nothing and show
 * nothing.
 *
 * <p>Synchronous: a commit is acknowledged once the synchronous replica has it, so each waits a
 * round trip, and every acknowledged payment is on the new primary (the invariants of
 * {@link Failovers}). Asynchronous: a commit is acknowledged at once, the replicas are a delay
 * behind, and the kill takes what was on its way to them: acknowledged payments are lost, their
 * charges at the processor are left without a payment, and a request whose commit was lost before
 * its answer is paid again on its retry. The asynchronous test asserts that it did lose commits (a
 * charge whose payment is gone): if it lost nothing, the replicas did not lag and the demonstration
 * proved nothing. How many of them had been acknowledged it reports.
 */
class SlowReplicationFailovers {

    static final int DELAY_MS = 500;
    private static final Duration UNAVAILABLE_AT_MOST = Duration.ofSeconds(30);
    private static final Duration SETTLE = Duration.ofSeconds(30);

    private static HaCluster cluster;
    private static FailoverDrill drill;

    @BeforeAll
    static void startCluster() throws Exception {
        cluster = HaCluster.start(true, DELAY_MS);
        drill = new FailoverDrill(cluster);
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void synchronousReplicationLosesNoAcknowledgedPayment() throws Exception {
        cluster.synchronousMode(true);
        String fault = "primary SIGKILLed, synchronous replication " + DELAY_MS + " ms away";
        long unavailable = drill.run(fault, service -> service, FailoverDrill.killPrimary(cluster), (clients, simulator) -> {
            PaymentRows.Losses losses = cluster.database().losses(clients, simulator, SETTLE);
            System.out.printf("[ha] %s: %s%n", fault, losses);
            cluster.database().assertClean("failover, " + fault, clients, simulator, SETTLE);
        });
        assertTrue(unavailable <= UNAVAILABLE_AT_MOST.toMillis(), "writes unavailable for " + unavailable + " ms");
    }

    @Test
    void asynchronousReplicationLosesAcknowledgedPayments() throws Exception {
        cluster.synchronousMode(false);
        String fault = "primary SIGKILLed, asynchronous replication " + DELAY_MS + " ms away";
        drill.run(fault, service -> service, FailoverDrill.killPrimary(cluster), (clients, simulator) -> {
            PaymentRows.Losses losses = cluster.database().losses(clients, simulator, SETTLE);
            System.out.printf("[ha] %s: %s%n", fault, losses);
            assertEquals(0, clients.serverErrors.get(), "no 500s, even when payments are lost");
            // a lost payment leaves its charge behind: charges without a payment count every lost
            // commit, acknowledged or not (the acknowledged ones are the fewer: those answered in the
            // last delay before the kill)
            assertTrue(losses.chargesWithoutPayment() > 0, "commits lost in the asynchronous failover (else the "
                    + "replicas did not lag and this shows nothing): " + losses);
        });
    }
}
