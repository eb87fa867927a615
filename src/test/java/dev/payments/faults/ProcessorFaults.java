package dev.payments.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.payments.testsupport.Await;
import dev.payments.testsupport.FreePorts;
import dev.payments.testsupport.Service;
import dev.payments.testsupport.Simulator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The faults of a processor reached over the network, with the packaged service, the processor
 * simulator and PostgreSQL each a process (or container) of its own, while clients retry every
 * failed request with its key: latency, answers lost after charging, 5xx before and after acting,
 * resets, the simulator killed and restarted, the service killed between the charge and its
 * record, the database stopped there, two instances racing. After each, the simulator's ledger is
 * checked against the database: exactly one charge per key, every 201 a succeeded payment with its
 * charge, no charge without a payment, nothing left processing.
 */
class ProcessorFaults {

    private static final Duration TRAFFIC_DEADLINE = Duration.ofSeconds(150);
    /** Payments answered before a fault is injected, and again after it. */
    private static final int PAYMENTS_AROUND_FAULT = 40;
    /** Time for the recovery job to finish what the clients left processing (lease 6s, then a run). */
    private static final Duration SETTLE = Duration.ofSeconds(30);

    @RegisterExtension
    static final FaultDatabase database = FaultDatabase.forEachClass();


    @Test
    void latencyOnEveryCall() throws Exception {
        underTraffic("latency 300 ms", List.of("--latency-ms", "300"), simulator -> {
        });
    }

    @Test
    void answersLostAfterCharging() throws Exception {
        // each charged call answers past the 2s client timeout; a 5xx before acting follows each
        underTraffic("hang after charging", List.of(), simulator -> {
            for (int i = 0; i < 6; i++) {
                simulator.fault("hang_after_charge", 1, "/v1/charges", 4_000);
                simulator.fault("error_before", 1, "/v1/charges", 0);
            }
        });
    }

    @Test
    void serverErrorsBeforeAndAfterActing() throws Exception {
        underTraffic("5xx before and after acting", List.of(), simulator -> {
            for (int i = 0; i < 10; i++) {
                simulator.fault("error_after", 1, "/v1/charges", 0);
                simulator.fault("error_before", 2, "/v1/charges", 0);
            }
        });
    }

    @Test
    void connectionsResetBeforeAndAfterActing() throws Exception {
        underTraffic("connection reset", List.of(), simulator -> {
            for (int i = 0; i < 10; i++) {
                simulator.fault("reset_after", 1, "/v1/charges", 0);
                simulator.fault("reset_before", 1, "/v1/charges", 0);
            }
        });
    }

    /**
     * A service and a simulator (with {@code options}), 16 retrying clients, and the faults
     * {@code inject} queues at the simulator under that traffic; then the invariants.
     */
    private static void underTraffic(String fault, List<String> options, Consumer<Simulator> inject) throws Exception {
        String name = fault.replaceAll("[^a-z0-9]+", "-");
        try (Simulator simulator = Simulator.start(0, options.toArray(String[]::new))) {
            Service service = service(name, simulator).start();
            try {
                RetryingClients clients = new RetryingClients();
                clients.start(run(name), 16, List.of(service.baseUrl()), TRAFFIC_DEADLINE);
                assertTrue(clients.awaitInFlight(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(60)), "traffic before the fault");
                inject.accept(simulator);
                assertTrue(clients.awaitMoreCreated(PAYMENTS_AROUND_FAULT * 2, Duration.ofSeconds(120)),
                        "payments after the fault");
                clients.stop(Duration.ofSeconds(90));
                assertClean(fault, clients, simulator);
            } finally {
                service.stop();
            }
        }
    }

    @Test
    void simulatorKilledAndRestarted() throws Exception {
        Path ledger = Files.createTempFile("simulator-ledger", ".jsonl");
        int port = FreePorts.next();
        Simulator simulator = Simulator.start(port, "--ledger-file", ledger.toString());
        Service service = service("simulator-killed", simulator).start();
        try {
            RetryingClients clients = new RetryingClients();
            clients.start(run("simulator-killed"), 16, List.of(service.baseUrl()), TRAFFIC_DEADLINE);
            assertTrue(clients.awaitInFlight(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(60)), "traffic before the kill");
            simulator.kill();
            assertTrue(clients.awaitUnavailable(Duration.ofSeconds(30)), "payments during the outage are answered 503");
            simulator = Simulator.start(port, "--ledger-file", ledger.toString());
            assertTrue(clients.awaitMoreCreated(PAYMENTS_AROUND_FAULT, Duration.ofSeconds(90)), "payments after the restart");
            clients.stop(Duration.ofSeconds(90));
            assertClean("simulator SIGKILLed and restarted", clients, simulator);
        } finally {
            service.stop();
            simulator.close();
            Files.deleteIfExists(ledger);
        }
    }

    /** The charge is made, and the service dies before it records it: the restarted service adopts the charge. */
    @Test
    void serviceKilledBetweenTheChargeAndItsRecord() throws Exception {
        whileTheChargedAnswerIsHeld("service SIGKILLed between the charge and its record", (service, simulator, clients) -> {
            service.kill();
            assertEquals(1, simulator.release(), "the answer goes to a dead service");
            assertEquals("processing", database.paymentStatus(clients.keysStarted.get(0)),
                    "charged at the processor, not recorded by the service");
            service.start();
        });
    }

    /** The charge is made, and the database is gone when the service records it. */
    @Test
    void databaseStoppedBetweenTheChargeAndItsRecord() throws Exception {
        whileTheChargedAnswerIsHeld("database stopped between the charge and its record", (service, simulator, clients) -> {
            database.stop();
            try {
                // the service is still waiting for the processor; now it learns the outcome
                simulator.release();
                assertTrue(clients.awaitUnavailable(Duration.ofSeconds(30)), "the service answers 503 without its database");
            } finally {
                database.startAgain();
            }
        });
    }

    private interface Fault {
        void strike(Service service, Simulator simulator, RetryingClients clients) throws Exception;
    }

    /**
     * One client pays one key; the simulator charges and holds the answer (the service waits for
     * it: a patient service); {@code fault} strikes then; the client retries until answered.
     */
    private static void whileTheChargedAnswerIsHeld(String fault, Fault strike) throws Exception {
        String name = fault.replaceAll("[^a-z0-9]+", "-");
        try (Simulator simulator = Simulator.start(0)) {
            // a patient service: its attempt's lease (11 s) is what a retry waits out
            Service service = PaymentRows.patient(service(name, simulator)).start();
            ExecutorService client = Executors.newSingleThreadExecutor();
            try {
                String key = run(name) + "-0";
                simulator.fault("hold", 1, "/v1/charges", 0);
                RetryingClients clients = new RetryingClients(PaymentRows.PATIENT_DEADLINE);
                clients.keysStarted.add(key);
                Future<?> paying = client.submit(() -> {
                    clients.pay(key, List.of(service.baseUrl()), 0, System.nanoTime() + TRAFFIC_DEADLINE.toNanos());
                    return null;
                });
                assertTrue(awaitHeld(simulator), "the charge reached the processor and its answer is held");
                strike.strike(service, simulator, clients);
                paying.get(120, TimeUnit.SECONDS);
                assertClean(fault, clients, simulator);
            } finally {
                client.shutdownNow();
                service.stop();
            }
        }
    }

    /**
     * Eight racers per key, on two instances (each racer starting on a different one), or through
     * the balancer when the tests run behind one (-Dpayments.test.instances): one payment, one charge.
     */
    @Test
    void instancesRacingTheSameKeys() throws Exception {
        try (Simulator simulator = Simulator.start(0, "--latency-ms", "200")) {
            List<Service> services = Service.instances() > 1 ? List.of(service("race", simulator))
                    : List.of(service("race-1", simulator), service("race-2", simulator));
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                for (Service service : services) {
                    service.start();
                }
                String run = run("race");
                RetryingClients clients = new RetryingClients();
                List<String> urls = services.stream().map(Service::baseUrl).toList();
                long end = System.nanoTime() + TRAFFIC_DEADLINE.toNanos();
                for (int k = 0; k < 30; k++) {
                    String key = run + "-" + k;
                    clients.keysStarted.add(key);
                    CountDownLatch start = new CountDownLatch(1);
                    List<Future<?>> racers = new ArrayList<>();
                    for (int racer = 0; racer < 8; racer++) {
                        int salt = racer;
                        racers.add(pool.submit(() -> {
                            start.await();
                            clients.pay(key, urls, salt, end);
                            return null;
                        }));
                    }
                    start.countDown();
                    for (Future<?> racer : racers) {
                        racer.get(60, TimeUnit.SECONDS);
                    }
                }
                assertEquals(30, clients.created.get(), "exactly one original answer per key");
                assertClean((services.size() == 1 ? Service.instances() + " instances behind the balancer" : "two instances")
                        + ", 8 racers per key", clients, simulator);
            } finally {
                pool.shutdownNow();
                for (Service service : services) {
                    service.stop();
                }
            }
        }
    }

    private static boolean awaitHeld(Simulator simulator) {
        return Await.until(() -> simulator.held() > 0, Duration.ofSeconds(30));
    }

    private static String run(String fault) {
        return "processor-" + fault + "-" + System.currentTimeMillis();
    }

    private static Service service(String name, Simulator simulator) {
        return PaymentRows.chargingThrough(database.deployment("processor-" + name), simulator);
    }

    private static void assertClean(String fault, RetryingClients clients, Simulator simulator) throws Exception {
        database.assertClean("processor, " + fault, clients, simulator, SETTLE);
    }
}
