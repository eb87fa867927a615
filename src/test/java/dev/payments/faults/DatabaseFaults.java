package dev.payments.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.payments.testsupport.ServiceProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The faults a payment service meets, against the packaged application and a PostgreSQL container
 * that the test stops, freezes, or shares between two instances, while clients retry every failed
 * request with its original key. After each, the database is checked through JDBC: exactly one
 * payment per key. Needs Docker: run with {@code ./mvnw verify -Pfaults} (CI's container stage).
 */
class DatabaseFaults {

    private static final Duration TRAFFIC_DEADLINE = Duration.ofSeconds(150);
    /** Payments the clients must have been answered before a fault, and again after the recovery. */
    private static final int PAYMENTS_AROUND_FAULT = 50;

    @RegisterExtension
    static final FaultDatabase database = FaultDatabase.forEachClass();


    @Test
    void databaseStoppedMidTrafficFailsFastAndRecovers() throws Exception {
        survivesDatabaseOutage("stopped", database::stop, database::startAgain);
    }

    @Test
    void databaseFrozenWithOpenTransactionsFailsBoundedAndRecovers() throws Exception {
        survivesDatabaseOutage("frozen", database::freeze, database::thaw);
    }

    /**
     * The outage overlaps the traffic by construction: it starts once payments were answered and
     * requests are in flight; the repair comes only after readiness went DOWN and a request was
     * answered 503; the clients stop only after readiness is UP again and more payments were
     * made. Then every key must have exactly one payment.
     */
    private void survivesDatabaseOutage(String fault, Runnable outage, Runnable repair) throws Exception {
        ServiceProcess service = service(fault).start();
        RetryingClients clients = new RetryingClients();
        try {
            clients.start(run(fault), 16, List.of(service.baseUrl()), TRAFFIC_DEADLINE);
            assertTrue(clients.awaitInFlight(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(60)), "traffic before the fault");
            outage.run();
            try {
                assertTrue(service.awaitReadiness(503, Duration.ofSeconds(40)), "readiness goes DOWN: database " + fault);
                assertTrue(clients.awaitUnavailable(Duration.ofSeconds(40)), "requests during the outage are answered 503");
            } finally {
                repair.run();
            }
            long repaired = System.nanoTime();
            assertTrue(service.awaitReadiness(200, Duration.ofSeconds(60)), "readiness comes back UP");
            System.out.printf("[faults] database %s: readiness UP %d ms after the database came back%n",
                    fault, (System.nanoTime() - repaired) / 1_000_000);
            assertTrue(clients.awaitMoreCreated(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(60)), "payments after the repair");
            clients.stop(Duration.ofSeconds(90));
            report("database " + fault, clients);
            assertClean(clients);
        } finally {
            service.stop();
        }
    }

    @Test
    void serviceKilledUnderLoadLosesNoAnsweredPayment() throws Exception {
        ServiceProcess service = service("killed").start();
        RetryingClients clients = new RetryingClients();
        try {
            clients.start(run("killed"), 16, List.of(service.baseUrl()), TRAFFIC_DEADLINE);
            assertTrue(clients.awaitInFlight(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(60)), "the kill comes under load");
            int answeredBeforeKill = clients.created.get();
            service.kill();
            service.start();
            assertTrue(clients.awaitMoreCreated(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(60)), "payments after the restart");
            clients.stop(Duration.ofSeconds(90));
            report("service SIGKILLed after " + answeredBeforeKill + " payments", clients);
            assertClean(clients);
        } finally {
            service.stop();
        }
    }

    @Test
    void twoInstancesRacingTheSameKeysMakeOnePaymentEach() throws Exception {
        ServiceProcess first = service("instance-1").start();
        ServiceProcess second = service("instance-2").start();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<String> keys = keys("two-instances", 60);
            RetryingClients clients = new RetryingClients();
            List<String> both = List.of(first.baseUrl(), second.baseUrl());
            long end = System.nanoTime() + TRAFFIC_DEADLINE.toNanos();
            for (String key : keys) {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<?>> racers = new ArrayList<>();
                for (int racer = 0; racer < 8; racer++) {
                    int salt = racer;
                    racers.add(pool.submit(() -> {
                        start.await();
                        clients.pay(key, both, salt, end);
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> racer : racers) {
                    racer.get(60, TimeUnit.SECONDS);
                }
            }
            report("two instances, 8 racers per key", clients, keys);
            assertEquals(keys.size(), clients.created.get(), "exactly one original answer per key");
            assertClean(clients, keys);
        } finally {
            pool.shutdownNow();
            first.stop();
            second.stop();
        }
    }

    private static void assertClean(RetryingClients clients) throws Exception {
        assertClean(clients, List.copyOf(clients.keysStarted));
    }

    private static void report(String fault, RetryingClients clients) throws Exception {
        report(fault, clients, List.copyOf(clients.keysStarted));
    }

    private static String run(String fault) {
        return "fault-" + fault + "-" + System.currentTimeMillis();
    }

    private static void assertClean(RetryingClients clients, List<String> keys) throws Exception {
        assertEquals(0, clients.serverErrors.get(), "no 500s, ever");
        assertTrue(clients.badUnavailable.isEmpty(), "every 503 is problem+json with Retry-After");
        clients.assertEveryAnswerWithinTheDeadline();
        assertEquals(keys.size(), clients.idsByKey.size(), "every key was answered");
        for (Map.Entry<String, Set<String>> answered : clients.idsByKey.entrySet()) {
            assertEquals(1, answered.getValue().size(), "one payment id per key: " + answered);
        }
        Map<String, Integer> perKey = paymentsPerKey(keys.get(0).substring(0, keys.get(0).lastIndexOf('-')));
        for (String key : keys) {
            assertEquals(1, perKey.getOrDefault(key, 0), "exactly one payment in the database for " + key);
            assertTrue(clients.idsByKey.get(key).contains(paymentId(key)), "the answered id is the stored payment");
        }
    }

    private static void report(String fault, RetryingClients clients, List<String> keys) throws Exception {
        Map<String, Integer> perKey = paymentsPerKey(keys.get(0).substring(0, keys.get(0).lastIndexOf('-')));
        long one = keys.stream().filter(k -> perKey.getOrDefault(k, 0) == 1).count();
        long none = keys.stream().filter(k -> perKey.getOrDefault(k, 0) == 0).count();
        long more = keys.stream().filter(k -> perKey.getOrDefault(k, 0) > 1).count();
        System.out.printf("[faults] %s: %d keys; %s; payments per key in the database: one %d, none %d, more %d%n",
                fault, keys.size(), clients.summary(), one, none, more);
    }

    private static Map<String, Integer> paymentsPerKey(String prefix) throws Exception {
        return database.paymentsPerKey(prefix);
    }

    private static String paymentId(String key) throws Exception {
        return database.paymentId(key);
    }

    private static ServiceProcess service(String name) {
        return database.service(name);
    }

    private static List<String> keys(String fault, int count) {
        String run = run(fault);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            keys.add(run + "-" + i);
        }
        return keys;
    }

}
