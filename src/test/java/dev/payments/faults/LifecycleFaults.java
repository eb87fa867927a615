package dev.payments.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.testsupport.Await;
import dev.payments.testsupport.ServiceProcess;
import dev.payments.testsupport.Simulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Processor faults on captures and refunds, against the packaged service in its own process, a
 * PostgreSQL container and the simulator: answers lost after the processor acted (5xx and reset
 * connections), a 5xx before it acted, the service SIGKILLed while a refund's answer is held at
 * the processor, and refunds and captures racing through two instances. Clients retry every failure with the same key, as the API asks. Afterwards the
 * simulator's ledger and the database agree: captured and refunded amounts equal, one processor
 * refund per refund, none lost, none doubled, nothing left under way, no 500 ever.
 */
class LifecycleFaults {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(120);
    private static final Duration SETTLE = Duration.ofSeconds(30);
    private static final int PAYMENTS = 12;

    @RegisterExtension
    static final FaultDatabase database = FaultDatabase.forEachClass();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final AtomicInteger serverErrors = new AtomicInteger();
    private final AtomicInteger unavailable = new AtomicInteger();
    private final AtomicInteger transportErrors = new AtomicInteger();
    private final AtomicInteger sent = new AtomicInteger();
    /** The slowest answer, in milliseconds: within the request deadline, whatever the fault. */
    private final java.util.concurrent.atomic.AtomicLong slowest = new java.util.concurrent.atomic.AtomicLong();
    /** The service's request deadline: 5 s, unless a test set another. */
    private Duration deadline = Duration.ofSeconds(5);
    /** Every distinct body each key was answered with: one per key, or a replay was not the original. */
    private final Map<String, java.util.Set<String>> answersByKey = new ConcurrentHashMap<>();


    @Test
    void capturesAndRefundsUnderLostAnswersAndServerErrors() throws Exception {
        try (Simulator simulator = Simulator.start(0, "--latency-ms", "20")) {
            ServiceProcess service = service("lifecycle-faults", simulator).start();
            ExecutorService clients = Executors.newFixedThreadPool(6);
            try {
                String run = "lifecycle-" + System.currentTimeMillis();
                long end = System.nanoTime() + DEADLINE.toNanos();
                List<String> payments = new ArrayList<>();
                for (int i = 0; i < PAYMENTS; i++) {
                    payments.add(JSON.readTree(send(service, run + "-auth-" + i, "/payments",
                            "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\","
                                    + "\"capture_method\":\"manual\",\"description\":\"" + run + "\"}", 201, end)).get("id").asText());
                }
                // captures and refunds whose answers are lost after the processor acted, or fail before
                simulator.fault("error_after", 6, "/v1/charges/*", 0);
                simulator.fault("reset_after", 6, "/v1/charges/*", 0);
                simulator.fault("error_after", 8, "/v1/refunds", 0);
                simulator.fault("reset_after", 8, "/v1/refunds", 0);
                simulator.fault("error_before", 4, "/v1/refunds", 0);
                List<Future<?>> work = new ArrayList<>();
                for (int i = 0; i < PAYMENTS; i++) {
                    String id = payments.get(i);
                    String key = run + "-" + i;
                    work.add(clients.submit(() -> {
                        send(service, key + "-capture", "/payments/" + id + "/capture", "{\"amount\":2000}", 200, end);
                        send(service, key + "-refund-1", "/payments/" + id + "/refunds", "{\"amount\":1200}", 201, end);
                        send(service, key + "-refund-2", "/payments/" + id + "/refunds", "{\"amount\":800}", 201, end);
                        send(service, key + "-refund-3", "/payments/" + id + "/refunds", "{\"amount\":1}", 409, end);
                        // and each answered key once more: the replay is the answer first given
                        send(service, key + "-refund-1", "/payments/" + id + "/refunds", "{\"amount\":1200}", 201, end);
                        return null;
                    }));
                }
                for (Future<?> one : work) {
                    one.get(DEADLINE.toSeconds() + 30, TimeUnit.SECONDS);
                }
                assertClean("lost answers and 5xx on captures and refunds", simulator, payments, 2000, 2000, 2);
            } finally {
                clients.shutdownNow();
                service.stop();
            }
        }
    }

    @Test
    void serviceKilledWhileARefundIsAtTheProcessor() throws Exception {
        try (Simulator simulator = Simulator.start(0)) {
            // a patient service: it waits for the held answer, and does not repeat the call
            ServiceProcess service = PaymentRows.patient(service("lifecycle-kill", simulator)).start();
            deadline = PaymentRows.PATIENT_DEADLINE;
            ExecutorService client = Executors.newSingleThreadExecutor();
            try {
                String run = "lifecycle-kill-" + System.currentTimeMillis();
                long end = System.nanoTime() + DEADLINE.toNanos();
                String id = JSON.readTree(send(service, run + "-pay", "/payments",
                        "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\",\"description\":\""
                                + run + "\"}", 201, end)).get("id").asText();
                simulator.fault("hold", 1, "/v1/refunds", 0);
                Future<String> refunding = client.submit(() ->
                        send(service, run + "-refund", "/payments/" + id + "/refunds", "{\"amount\":1000}", 201, end));
                assertTrue(awaitHeld(simulator), "the refund reached the processor and its answer is held");
                service.kill();
                assertEquals(1, simulator.release(), "the answer goes to a dead service");
                assertEquals("pending", database.text("SELECT status FROM refunds WHERE payment_id = '" + id + "'"),
                        "refunded at the processor, not recorded by the service");
                service.start();
                JsonNode refund = JSON.readTree(refunding.get(DEADLINE.toSeconds(), TimeUnit.SECONDS));
                assertEquals("succeeded", refund.get("status").asText());
                assertClean("service SIGKILLed while a refund was at the processor", simulator, List.of(id), 2500, 1000, 1);
            } finally {
                client.shutdownNow();
                service.stop();
            }
        }
    }

    @Test
    void refundsAndCapturesRacingThroughTwoInstances() throws Exception {
        try (Simulator simulator = Simulator.start(0, "--latency-ms", "50")) {
            ServiceProcess first = service("lifecycle-race-1", simulator).start();
            ServiceProcess second = service("lifecycle-race-2", simulator).start();
            ExecutorService racers = Executors.newFixedThreadPool(32);
            try {
                String run = "lifecycle-race-" + System.currentTimeMillis();
                long end = System.nanoTime() + DEADLINE.toNanos();
                String id = JSON.readTree(send(first, run + "-pay", "/payments",
                        "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\",\"description\":\""
                                + run + "\"}", 201, end)).get("id").asText();
                // 32 refunds of 100 on 2500, half through each instance: 25 fit
                List<Future<Integer>> refunds = new ArrayList<>();
                for (int i = 0; i < 32; i++) {
                    ServiceProcess through = i % 2 == 0 ? first : second;
                    String key = run + "-refund-" + i;
                    refunds.add(racers.submit(() -> status(through, key, "/payments/" + id + "/refunds", "{\"amount\":100}", end)));
                }
                int succeeded = 0;
                int refused = 0;
                for (Future<Integer> refund : refunds) {
                    int status = refund.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                    succeeded += status == 201 ? 1 : 0;
                    refused += status == 409 ? 1 : 0;
                }
                // capture against cancel on 6 authorizations, each through a different instance
                List<String> authorizations = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    authorizations.add(JSON.readTree(send(second, run + "-auth-" + i, "/payments",
                            "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\","
                                    + "\"capture_method\":\"manual\",\"description\":\"" + run + "\"}", 201, end)).get("id").asText());
                }
                List<Future<Integer>> actions = new ArrayList<>();
                for (int i = 0; i < authorizations.size(); i++) {
                    String auth = authorizations.get(i);
                    String key = run + "-" + i;
                    actions.add(racers.submit(() -> status(first, key + "-capture", "/payments/" + auth + "/capture", "{}", end)));
                    actions.add(racers.submit(() -> status(second, key + "-cancel", "/payments/" + auth + "/cancel", "{}", end)));
                }
                int captured = 0;
                for (int i = 0; i < authorizations.size(); i++) {
                    int capture = actions.get(2 * i).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                    int cancel = actions.get(2 * i + 1).get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                    assertEquals(1, (capture == 200 ? 1 : 0) + (cancel == 200 ? 1 : 0), "one winner of capture and cancel");
                    assertEquals(409, capture == 200 ? cancel : capture, "the loser is refused");
                    captured += capture == 200 ? 1 : 0;
                }
                System.out.printf("[faults] lifecycle, two instances: 32 refunds of 100 on 2500: %d succeeded, %d refused; "
                        + "capture vs cancel on 6: %d captured, %d canceled%n", succeeded, refused, captured, 6 - captured);
                assertEquals(25, succeeded, "exactly the refunds that fit");
                assertEquals(7, refused, "the rest refused: refund-exceeds-remaining");
                assertClean("two instances racing refunds", simulator, List.of(id), 2500, 2500, 25);
                assertEquals(0, database.number("""
                        SELECT count(*) FROM payments p
                        WHERE p.amount_refunded + p.amount_refund_pending > p.amount_captured
                           OR p.amount_refunded <> (SELECT coalesce(sum(amount), 0) FROM refunds r
                                                    WHERE r.payment_id = p.id AND r.status = 'succeeded')
                           OR (p.amount_captured > 0 AND p.canceled_at IS NOT NULL)"""), "the money invariants, by SQL");
            } finally {
                racers.shutdownNow();
                first.stop();
                second.stop();
            }
        }
    }

    /** Sends one idempotent POST until it is answered for good (anything but a 503, a 409 with Retry-After, a transport failure). */
    private int status(ServiceProcess service, String key, String path, String body, long end) throws Exception {
        for (int attempt = 0; System.nanoTime() < end; attempt++) {
            sent.incrementAndGet();
            try {
                HttpResponse<String> response = timed(request(service, key, path, body));
                boolean retryLater = response.headers().firstValue("Retry-After").isPresent();
                if (response.statusCode() != 503 && !(response.statusCode() == 409 && retryLater)) {
                    if (response.statusCode() >= 500) {
                        serverErrors.incrementAndGet();
                    }
                    return response.statusCode();
                }
                unavailable.incrementAndGet();
            } catch (java.io.IOException e) {
                transportErrors.incrementAndGet();
            }
            Thread.sleep(Math.min(1000, 100L * (attempt + 1)));
        }
        throw new AssertionError(key + " not answered before the deadline");
    }

    private HttpResponse<String> timed(HttpRequest request) throws java.io.IOException, InterruptedException {
        long started = System.nanoTime();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } finally {
            slowest.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), Math::max);
        }
    }

    private static HttpRequest request(ServiceProcess service, String key, String path, String body) {
        return HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer sk_test_acme")
                .header("Idempotency-Key", key)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    private static ServiceProcess service(String name, Simulator simulator) {
        return PaymentRows.chargingThrough(database.service(name), simulator);
    }

    /**
     * Sends one idempotent POST until it is answered {@code expected}, retrying 503s, 409s that
     * say Retry-After (a concurrent attempt) and transport failures with the same key and body.
     * Returns the body; any other answer fails the test.
     */
    private String send(ServiceProcess service, String key, String path, String body, int expected, long end)
            throws Exception {
        for (int attempt = 0; System.nanoTime() < end; attempt++) {
            sent.incrementAndGet();
            try {
                HttpResponse<String> response = timed(request(service, key, path, body));
                int status = response.statusCode();
                boolean retryLater = response.headers().firstValue("Retry-After").isPresent();
                if (status == expected && !(status == 409 && retryLater)) {
                    answersByKey.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(response.body());
                    return response.body();
                }
                if (status == 503 || (status == 409 && retryLater)) {
                    unavailable.incrementAndGet();
                } else {
                    if (status >= 500) {
                        serverErrors.incrementAndGet();
                    }
                    throw new AssertionError(key + ": " + status + " " + response.body());
                }
            } catch (java.io.IOException e) {
                transportErrors.incrementAndGet();
            }
            Thread.sleep(Math.min(1000, 100L * (attempt + 1)));
        }
        throw new AssertionError(key + " not answered " + expected + " before the deadline");
    }

    private static boolean awaitHeld(Simulator simulator) {
        return Await.until(() -> simulator.held() > 0, Duration.ofSeconds(30));
    }

    /**
     * After the recovery job has had time: nothing under way; each payment captured
     * {@code captured} and refunded {@code refunded} in {@code refunds} refunds, in our database and
     * at the processor alike; each refund one processor refund, and no processor refund without one
     * of ours; every key answered one way only; no 500.
     */
    private void assertClean(String fault, Simulator simulator, List<String> payments, long captured, long refunded,
            int refunds) throws Exception {
        String underWay = "SELECT (SELECT count(*) FROM payments WHERE status = 'processing' OR pending_action IS NOT NULL)"
                + " + (SELECT count(*) FROM refunds WHERE status = 'pending')";
        Await.until(() -> database.number(underWay) == 0, SETTLE);
        JsonNode ledger = simulator.ledger();
        System.out.printf("[faults] lifecycle, %s: %d payments, requests sent %d, 503/409 retried %d, transport errors %d, "
                        + "other 5xx %d, slowest answer %d ms, processor refunds %d%n", fault, payments.size(), sent.get(),
                unavailable.get(), transportErrors.get(), serverErrors.get(), slowest.get(), ledger.get("refunds").size());
        assertEquals(0, serverErrors.get(), "no 500s, ever");
        assertTrue(slowest.get() < deadline.toMillis(), "every answer within the request deadline of "
                + deadline.toMillis() + " ms; the slowest took " + slowest.get() + " ms");
        assertEquals(0, database.number(underWay), "nothing left under way once the processor answers again");
        answersByKey.forEach((key, bodies) -> assertEquals(1, bodies.size(), "one answer for " + key + ": " + bodies));
        Map<String, JsonNode> charges = new java.util.HashMap<>();
        ledger.get("charges").forEach(c -> charges.put(c.path("reference").asText(), c));
        Map<String, List<JsonNode>> processorRefunds = new java.util.HashMap<>();
        ledger.get("refunds").forEach(r -> processorRefunds.computeIfAbsent(r.path("reference").asText(),
                k -> new ArrayList<>()).add(r));
        int ourRefunds = 0;
        try (Connection c = database.connect()) {
            for (String id : payments) {
                try (PreparedStatement s = c.prepareStatement(
                        "SELECT status, amount_captured, amount_refunded, amount_refund_pending FROM payments WHERE id = ?::uuid")) {
                    s.setString(1, id);
                    try (ResultSet r = s.executeQuery()) {
                        assertTrue(r.next(), "payment " + id);
                        assertEquals("succeeded", r.getString(1));
                        assertEquals(captured, r.getLong(2), "captured, in our database");
                        assertEquals(refunded, r.getLong(3), "refunded, in our database");
                        assertEquals(0, r.getLong(4), "nothing pending");
                    }
                }
                JsonNode charge = charges.get(id);
                assertEquals(captured, charge.get("amount_captured").asLong(), "captured, at the processor");
                assertEquals(refunded, charge.get("amount_refunded").asLong(), "refunded, at the processor");
                try (PreparedStatement s = c.prepareStatement(
                        "SELECT id::text, status, amount, processor_refund_id FROM refunds WHERE payment_id = ?::uuid")) {
                    s.setString(1, id);
                    int count = 0;
                    try (ResultSet r = s.executeQuery()) {
                        while (r.next()) {
                            count++;
                            List<JsonNode> made = processorRefunds.getOrDefault(r.getString(1), List.of());
                            assertEquals(1, made.size(), "exactly one processor refund for refund " + r.getString(1));
                            assertEquals(r.getString(4), made.get(0).get("id").asText(), "the refund records its processor refund");
                            assertEquals(r.getLong(3), made.get(0).get("amount").asLong());
                            assertEquals("succeeded", r.getString(2));
                        }
                    }
                    assertEquals(refunds, count, "refunds of payment " + id);
                    ourRefunds += count;
                }
            }
        }
        assertEquals(ourRefunds, processorRefunds.size(), "no processor refund without one of ours");
    }
}
