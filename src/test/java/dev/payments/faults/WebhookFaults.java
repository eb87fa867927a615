package dev.payments.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.testsupport.Await;
import dev.payments.testsupport.ServiceProcess;
import dev.payments.testsupport.Simulator;
import dev.payments.testsupport.WebhookReceiver;
import dev.payments.testsupport.WebhookReceiver.Delivery;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Webhook delivery against the packaged service in its own process, a PostgreSQL container and a
 * real receiver: the service SIGKILLed while deliveries are at the receiver (none lost: each is
 * sent again after its lease, and the receiver deduplicates), and two instances delivering the
 * same outbox (never one event to one endpoint twice at once, never more attempts at once to one
 * endpoint than the limit). Each ends with the invariant, by SQL: every event is delivered.
 */
class WebhookFaults {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DEADLINE = Duration.ofSeconds(120);

    @RegisterExtension
    static final FaultDatabase database = FaultDatabase.forEachClass();
    private static WebhookReceiver receiver;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeAll
    static void start() {
        receiver = WebhookReceiver.start();
    }

    @AfterAll
    static void stop() {
        if (receiver != null) {
            receiver.close();
        }
    }

    @Test
    void serviceKilledWhileDeliveriesAreAtTheReceiverLosesNone() throws Exception {
        try (Simulator simulator = Simulator.start(0)) {
            // a 3s timeout makes the lease 11s: a killed instance's deliveries are sent again after it
            ServiceProcess service = service("webhook-kill", simulator).with("PAYMENTS_WEBHOOKS_TIMEOUT", "3s").start();
            try {
                WebhookReceiver.Hook hook = receiver.hook().hangNext(1000, Duration.ofMillis(1500));
                String endpoint = register(service, hook);
                for (int i = 0; i < 20; i++) {
                    create(service, "kill-" + UUID.randomUUID());
                }
                assertTrue(awaitInFlight(endpoint), "deliveries under way at the receiver");
                service.kill();
                hook.hangNext(0, Duration.ZERO);
                long attemptsAtKill = database.number("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '"
                        + endpoint + "' AND attempt_id IS NOT NULL");
                service.start();
                assertAllDelivered(endpoint, hook);
                Map<String, Long> processed = hook.processed().stream()
                        .collect(Collectors.groupingBy(Delivery::eventId, Collectors.counting()));
                long twice = processed.values().stream().filter(n -> n > 1).count();
                System.out.printf("[faults] webhooks, SIGKILL mid-delivery: %d events, %d attempts under way at the kill, "
                        + "%d processed twice by the receiver (deduplicated on Payments-Event-Id), %d lost%n",
                        processed.size(), attemptsAtKill, twice, 0);
                assertTrue(attemptsAtKill > 0, "the kill caught attempts under way");
            } finally {
                service.stop();
            }
        }
    }

    @Test
    void twoInstancesNeverSendOneEventToOneEndpointTwiceAtOnce() throws Exception {
        try (Simulator simulator = Simulator.start(0)) {
            ServiceProcess first = service("webhook-two-1", simulator).start();
            ServiceProcess second = service("webhook-two-2", simulator).start();
            ExecutorService clients = Executors.newFixedThreadPool(8);
            try {
                // slow enough answers that the instances' claims overlap in time
                WebhookReceiver.Hook hook = receiver.hook().hangNext(100_000, Duration.ofMillis(100));
                String endpoint = register(first, hook);
                List<Future<?>> creates = new java.util.ArrayList<>();
                for (int i = 0; i < 120; i++) {
                    ServiceProcess through = i % 2 == 0 ? first : second;
                    creates.add(clients.submit(() -> create(through, "two-" + UUID.randomUUID())));
                }
                for (Future<?> create : creates) {
                    create.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                }
                assertAllDelivered(endpoint, hook);
                Map<String, Long> processed = hook.processed().stream()
                        .collect(Collectors.groupingBy(Delivery::eventId, Collectors.counting()));
                System.out.printf("[faults] webhooks, two instances: %d events, %d deliveries, %d overlapping, "
                        + "at most %d at once to the endpoint%n", processed.size(), hook.processed().size(),
                        hook.overlaps(), hook.maxConcurrent());
                assertEquals(0, hook.overlaps(), "no event sent to the endpoint by both instances at once");
                assertTrue(processed.values().stream().allMatch(n -> n == 1), "without faults, each event once");
                assertTrue(hook.maxConcurrent() <= 8, "the per-endpoint limit holds across instances");
            } finally {
                clients.shutdownNow();
                first.stop();
                second.stop();
            }
        }
    }

    /** Every event written since the endpoint was registered is delivered to it, by SQL, and the receiver has each. */
    private void assertAllDelivered(String endpoint, WebhookReceiver.Hook hook) throws Exception {
        String owed = "SELECT count(*) FROM events ev JOIN webhook_endpoints e ON e.id = '" + endpoint + "' "
                + "WHERE ev.created_at >= e.created_at AND ev.merchant_id = e.merchant_id AND NOT EXISTS ("
                + "SELECT 1 FROM webhook_deliveries d WHERE d.event_id = ev.id AND d.endpoint_id = e.id "
                + "AND d.status = 'delivered')";
        Await.until(() -> database.number(owed) == 0, DEADLINE);
        assertEquals(0, database.number(owed), "every event delivered");
        Set<String> events = Set.copyOf(database.list("SELECT ev.id::text FROM events ev JOIN webhook_endpoints e "
                + "ON e.id = '" + endpoint + "' WHERE ev.created_at >= e.created_at AND ev.merchant_id = e.merchant_id"));
        Set<String> received = hook.processed().stream().map(Delivery::eventId).collect(Collectors.toSet());
        assertTrue(received.containsAll(events), "the receiver processed every event");
        assertTrue(hook.deliveries().stream().allMatch(Delivery::signed), "every delivery signed");
    }

    private boolean awaitInFlight(String endpoint) {
        return Await.until(() -> database.number("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = '"
                + endpoint + "' AND attempt_id IS NOT NULL") > 0, Duration.ofSeconds(30));
    }

    private String register(ServiceProcess service, WebhookReceiver.Hook hook) throws Exception {
        JsonNode endpoint = JSON.readTree(post(service, "hook-" + UUID.randomUUID(), "/webhook_endpoints",
                "{\"url\":\"" + hook.url() + "\",\"enabled_events\":[\"*\"]}", 201));
        hook.secrets(endpoint.get("secret").asText());
        return endpoint.get("id").asText();
    }

    private Void create(ServiceProcess service, String key) throws Exception {
        post(service, key, "/payments", "{\"amount\":1000,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\"}", 201);
        return null;
    }

    /** One POST, retried with its key on 503 and transport failures, until answered {@code expected}. */
    private String post(ServiceProcess service, String key, String path, String body, int expected) throws Exception {
        long end = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < end) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(service.baseUrl() + path))
                        .timeout(Duration.ofSeconds(30))
                        .header("Authorization", "Bearer sk_test_acme")
                        .header("Idempotency-Key", key)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == expected) {
                    return response.body();
                }
                if (response.statusCode() != 503 && response.statusCode() != 409) {
                    throw new AssertionError(path + ": " + response.statusCode() + " " + response.body());
                }
            } catch (java.io.IOException e) {
                // retried with the same key
            }
            Thread.sleep(200);
        }
        throw new AssertionError(path + " not answered " + expected);
    }

    private static ServiceProcess service(String name, Simulator simulator) {
        return PaymentRows.chargingThrough(database.service(name), simulator)
                .with("PAYMENTS_WEBHOOKS_ALLOW_INSECURE_LOCAL", "true")
                .with("PAYMENTS_WEBHOOKS_INITIAL_BACKOFF", "200ms")
                .with("PAYMENTS_WEBHOOKS_POLL_INTERVAL", "500ms");
    }
}
