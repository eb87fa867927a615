package dev.payments.webhook;

import static dev.payments.testsupport.Api.*;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.testsupport.Await;
import dev.payments.testsupport.ProcessorInvariants;
import dev.payments.testsupport.Simulator;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.WebhookReceiver;
import dev.payments.testsupport.WebhookReceiver.Delivery;
import dev.payments.testsupport.WebhookReceiver.Hook;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Webhooks end to end, with a real receiver over HTTP that verifies every signature: endpoints
 * (the secret shown once, and replayed whole), the URLs refused, every event type delivered once,
 * retries of a failing or too slow receiver, a rotated secret, redelivery, the retry window's end
 * and the disabling of an endpoint failing for days. Every test ends with the invariants, by SQL:
 * each change has its event, and each event is delivered or still scheduled to each endpoint that
 * takes it.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class WebhooksTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration DELIVERY = Duration.ofSeconds(15);
    private static WebhookReceiver receiver;
    private final List<String> endpoints = new ArrayList<>();

    @BeforeAll
    static void startReceiver() {
        receiver = WebhookReceiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    @AfterEach
    void everyEventIsDeliveredOrScheduled() throws InterruptedException {
        ProcessorInvariants.check(Simulator.shared(), Duration.ofSeconds(20));
        // nothing more is sent to this test's receivers once it is over
        endpoints.forEach(id -> as(ACME_KEY).delete("/webhook_endpoints/" + id));
    }

    /** Registers an endpoint for the hook, subscribed to {@code types}; the hook knows its secret. */
    private String register(Hook hook, String... types) {
        Response created = post(ACME_KEY, newKey(), "/webhook_endpoints",
                Map.of("url", hook.url(), "enabled_events", List.of(types)));
        created.then().statusCode(201);
        String secret = created.path("secret");
        hook.secrets(secret);
        String id = created.path("id");
        endpoints.add(id);
        return id;
    }

    private static List<String> eventsOf(String objectId) {
        return TestDatabase.rows("SELECT id::text AS id FROM events WHERE object_id = ?::uuid ORDER BY created_at, id",
                objectId).stream().map(row -> (String) row.get("id")).toList();
    }

    private static Set<String> ids(List<Delivery> deliveries) {
        return deliveries.stream().map(Delivery::eventId).collect(Collectors.toSet());
    }

    private static String captured() {
        String id = create(ACME_KEY, newKey(), authorization()).then().statusCode(201).extract().path("id");
        post(ACME_KEY, newKey(), "/payments/" + id + "/capture", null).then().statusCode(200);
        return id;
    }

    @Test
    void anEndpointShowsItsSecretOnlyWhenMadeAndAReplayShowsItWhole() {
        String key = newKey();
        Map<String, Object> body = Map.of("url", receiver.hook().url(), "enabled_events",
                List.of("payment.succeeded", "refund.succeeded"), "description", "orders");
        Response created = post(ACME_KEY, key, "/webhook_endpoints", body);
        created.then().statusCode(201)
                .header("Location", equalTo("/webhook_endpoints/" + created.path("id")))
                .body("status", equalTo("enabled"))
                .body("enabled_events", contains("payment.succeeded", "refund.succeeded"))
                .body("secret", matchesPattern("whsec_[A-Za-z0-9_-]{43}"));
        String id = created.path("id");
        endpoints.add(id);
        // the answer was lost: the retry learns the same endpoint and the same secret
        post(ACME_KEY, key, "/webhook_endpoints", body).then().statusCode(201)
                .header("Idempotent-Replayed", "true")
                .body(equalTo(created.asString()));
        // the same events in another order are the same request
        post(ACME_KEY, key, "/webhook_endpoints", Map.of("url", body.get("url"), "description", "orders",
                "enabled_events", List.of("refund.succeeded", "payment.succeeded"))).then().statusCode(201)
                .body("id", equalTo(id));
        post(ACME_KEY, key, "/webhook_endpoints", Map.of("url", body.get("url"), "enabled_events", List.of("*")))
                .then().statusCode(422);
        as(ACME_KEY).get("/webhook_endpoints/" + id).then().statusCode(200)
                .body("url", equalTo(body.get("url"))).body("description", equalTo("orders"))
                .body("$", not(hasKey("secret")));
        as(ACME_KEY).get("/webhook_endpoints").then().statusCode(200)
                .body("data[0].id", equalTo(id)).body("data[0]", not(hasKey("secret")));
        as(GLOBEX_KEY).get("/webhook_endpoints/" + id).then().statusCode(404);
        as(GLOBEX_KEY).delete("/webhook_endpoints/" + id).then().statusCode(404);
        as(ACME_KEY).delete("/webhook_endpoints/" + id).then().statusCode(204);
        as(ACME_KEY).get("/webhook_endpoints/" + id).then().statusCode(404);
        as(ACME_KEY).delete("/webhook_endpoints/" + id).then().statusCode(404);
    }

    @Test
    void urlsAndEventTypesItMustNotSendToAreRefusedWithoutUsingTheKey() {
        String key = newKey();
        for (String url : List.of("https://10.0.0.7/hook", "https://192.168.1.20/hook", "https://172.16.0.1/hook",
                "https://169.254.169.254/latest/meta-data", "https://[fd00::1]/hook", "https://[fe80::1]/hook",
                "https://[::ffff:10.0.0.1]/hook", "https://100.64.0.1/hook", "https://0.0.0.0/hook",
                "http://8.8.8.8/hook", "ftp://127.0.0.1/hook", "https://user:pass@127.0.0.1/hook", "/relative",
                "https://no-such-host.invalid/hook")) {
            post(ACME_KEY, key, "/webhook_endpoints", Map.of("url", url, "enabled_events", List.of("*")))
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("errors[0].field", equalTo("url"));
        }
        for (List<String> types : List.<List<String>>of(List.of("payment.refunded"), List.of("*", "payment.succeeded"), List.of())) {
            post(ACME_KEY, key, "/webhook_endpoints", Map.of("url", receiver.hook().url(), "enabled_events", types))
                    .then().statusCode(400).body("errors[0].field", equalTo("enabled_events"));
        }
        // none of them used the key up
        String id = post(ACME_KEY, key, "/webhook_endpoints", Map.of("url", receiver.hook().url(),
                "enabled_events", List.of("*"))).then().statusCode(201).extract().path("id");
        endpoints.add(id);
    }

    @Test
    void everyEventTypeIsDeliveredOnceSignedAsGetShowsIt() throws Exception {
        Hook hook = receiver.hook();
        String endpoint = register(hook, "*");
        List<String> expected = new ArrayList<>();
        String succeeded = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        String declined = create(ACME_KEY, newKey(), payment("pm_card_declined")).then().statusCode(402)
                .extract().path("payment_id");
        String captured = captured();
        String canceled = create(ACME_KEY, newKey(), authorization()).then().statusCode(201).extract().path("id");
        post(ACME_KEY, newKey(), "/payments/" + canceled + "/cancel", null).then().statusCode(200);
        String refund = post(ACME_KEY, newKey(), "/payments/" + captured + "/refunds", Map.of("amount", 500))
                .then().statusCode(201).extract().path("id");
        Simulator.shared().fault("refund_fails", 1, "/v1/refunds", 0);
        String failedRefund = post(ACME_KEY, newKey(), "/payments/" + captured + "/refunds", Map.of("amount", 500))
                .then().statusCode(201).body("status", equalTo("failed")).extract().path("id");
        for (String object : List.of(succeeded, declined, captured, canceled, refund, failedRefund)) {
            expected.addAll(eventsOf(object));
        }
        assertEquals(8, expected.size(), "succeeded, declined, requires_capture and captured, requires_capture and "
                + "canceled, refund succeeded and failed");
        assertTrue(hook.await(got -> ids(got).containsAll(expected), DELIVERY), "delivered: " + hook.deliveries());
        Set<String> types = new HashSet<>();
        for (String eventId : expected) {
            List<Delivery> of = hook.deliveries().stream().filter(d -> eventId.equals(d.eventId())).toList();
            assertEquals(1, of.size(), "event " + eventId + " once");
            Delivery delivery = of.get(0);
            assertTrue(delivery.signed(), "signature verified");
            assertEquals(1, delivery.signatures(), "one v1: one secret in use");
            String get = as(ACME_KEY).get("/events/" + eventId).then().statusCode(200).extract().asString();
            assertEquals(JSON.readTree(get), delivery.event(), "the body is the event as GET /events/{id} shows it");
            assertEquals(delivery.event().get("type").asText(), delivery.eventType());
            types.add(delivery.eventType());
        }
        assertEquals(Set.of("payment.succeeded", "payment.declined", "payment.requires_capture", "payment.captured",
                "payment.canceled", "refund.succeeded", "refund.failed"), types);
        JsonNode deliveries = JSON.readTree(as(ACME_KEY).get("/webhook_endpoints/" + endpoint + "/deliveries?limit=100")
                .then().statusCode(200).extract().asString()).get("data");
        for (JsonNode delivery : deliveries) {
            assertEquals("delivered", delivery.get("status").asText());
            assertEquals(200, delivery.get("last_status_code").asInt());
            assertEquals(1, delivery.get("attempts").asInt());
            assertTrue(delivery.get("next_attempt_at").isNull());
        }
    }

    @Test
    void anEndpointGetsOnlyTheTypesItSubscribedTo() throws Exception {
        Hook refunds = receiver.hook();
        Hook all = receiver.hook();
        register(refunds, "refund.succeeded");
        register(all, "*");
        String captured = captured();
        String refund = post(ACME_KEY, newKey(), "/payments/" + captured + "/refunds", null)
                .then().statusCode(201).extract().path("id");
        List<String> everything = new ArrayList<>(eventsOf(captured));
        everything.addAll(eventsOf(refund));
        assertTrue(all.await(got -> ids(got).containsAll(everything), DELIVERY));
        assertTrue(refunds.await(got -> ids(got).containsAll(eventsOf(refund)), DELIVERY));
        Thread.sleep(500);
        assertEquals(Set.copyOf(eventsOf(refund)), ids(refunds.deliveries()), "no payment event to the refunds hook");
    }

    @Test
    void aReceiverAnswering500IsRetriedWithBackoffUntilItAnswers2xx() throws Exception {
        Hook hook = receiver.hook().failNext(2);
        String endpoint = register(hook, "payment.succeeded");
        String payment = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        String event = eventsOf(payment).get(0);
        assertTrue(hook.await(got -> !hook.processed().isEmpty(), DELIVERY), "delivered: " + hook.deliveries());
        List<Delivery> attempts = hook.deliveries();
        assertEquals(List.of(500, 500, 200), attempts.stream().map(Delivery::answered).toList());
        assertTrue(attempts.stream().allMatch(d -> event.equals(d.eventId()) && d.signed()));
        // exponential: the second pause is longer than the first (100ms, then 200ms, each jittered to a half at least)
        assertTrue(Duration.between(attempts.get(1).at(), attempts.get(2).at()).toMillis() >= 100);
        // the receiver has answered; the worker records that a moment later
        Await.until(() -> "delivered".equals(as(ACME_KEY).get("/webhook_endpoints/" + endpoint + "/deliveries")
                .path("data[0].status")), Duration.ofSeconds(5));
        as(ACME_KEY).get("/webhook_endpoints/" + endpoint + "/deliveries").then().statusCode(200)
                .body("data[0].event_id", equalTo(event))
                .body("data[0].status", equalTo("delivered"))
                .body("data[0].attempts", equalTo(3))
                .body("data[0].last_status_code", equalTo(200))
                .body("data[0].last_duration_ms", greaterThanOrEqualTo(0));
    }

    @Test
    void eachAttemptIsListedWithItsStatusOrErrorAndTheStartOfTheAnswer() throws Exception {
        Hook hook = receiver.hook().hangNext(1, Duration.ofMillis(1500)).failNext(2);
        String endpoint = register(hook, "payment.succeeded");
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        assertTrue(hook.await(got -> got.stream().anyMatch(d -> d.answered() == 200), DELIVERY), "delivered: " + hook.deliveries());
        // recorded a moment after the receiver answered
        assertTrue(Await.until(() -> TestDatabase.number("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?::uuid "
                + "AND status = 'delivered'", endpoint) == 1, DELIVERY));
        String delivery = as(ACME_KEY).get("/webhook_endpoints/" + endpoint + "/deliveries").then().statusCode(200)
                .body("data[0].status", equalTo("delivered")).extract().path("data[0].id");
        String attempts = "/webhook_endpoints/" + endpoint + "/deliveries/" + delivery + "/attempts";
        as(ACME_KEY).get(attempts).then().statusCode(200)
                .body("data.attempt", contains(3, 2, 1))
                // delivered: its status and what the receiver said
                .body("data[0].status_code", equalTo(200))
                .body("data[0].error_kind", nullValue())
                .body("data[0].response_excerpt", equalTo("ok"))
                .body("data[0].duration_ms", greaterThanOrEqualTo(0))
                .body("data[0].started_at", notNullValue())
                // answered 500: the status, the kind, the start of the body
                .body("data[1].status_code", equalTo(500))
                .body("data[1].error_kind", equalTo("http_status"))
                .body("data[1].response_excerpt", equalTo("failing on purpose (test receiver)"))
                // no answer in time: no status, the kind and the sentence
                .body("data[2].status_code", nullValue())
                .body("data[2].error_kind", equalTo("timeout"))
                .body("data[2].error", containsString("no answer within"));
        as(GLOBEX_KEY).get(attempts).then().statusCode(404);
        as(ACME_KEY).get("/webhook_endpoints/" + endpoint + "/deliveries/" + java.util.UUID.randomUUID() + "/attempts")
                .then().statusCode(404).contentType("application/problem+json");
        as(ACME_KEY).get("/webhook_endpoints/" + endpoint + "/deliveries/not-a-uuid/attempts").then().statusCode(404);
        assertEquals(3, TestDatabase.number("SELECT count(*) FROM webhook_delivery_attempts WHERE delivery_id = ?::uuid",
                delivery));
    }

    @Test
    void aReceiverTooSlowTimesOutAndIsSentTheEventAgainWhichItDeduplicates() throws Exception {
        Hook hook = receiver.hook().hangNext(1, Duration.ofMillis(1500));
        String endpoint = register(hook, "payment.succeeded");
        String payment = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        assertTrue(hook.await(got -> got.size() >= 2, DELIVERY), "sent again after the timeout: " + hook.deliveries());
        // the receiver processed both (the first after the service gave up on it): at least once, so
        // the receiver sees the same Payments-Event-Id twice and keeps one
        assertEquals(Set.of(eventsOf(payment).get(0)), ids(hook.processed()));
        assertEquals(2, hook.processed().size());
        as(ACME_KEY).get("/webhook_endpoints/" + endpoint + "/deliveries").then()
                .body("data[0].status", equalTo("delivered")).body("data[0].attempts", equalTo(2));
    }

    @Test
    void aRotatedSecretSignsAlongsideTheOldOneForTheOverlap() throws Exception {
        Hook hook = receiver.hook();
        // the secret as the answer that made the endpoint showed it: the table holds it sealed
        Response created = post(ACME_KEY, newKey(), "/webhook_endpoints",
                Map.of("url", hook.url(), "enabled_events", List.of("payment.succeeded")));
        String endpoint = created.then().statusCode(201).extract().path("id");
        endpoints.add(endpoint);
        String oldSecret = created.path("secret");
        String key = newKey();
        Response rotated = post(ACME_KEY, key, "/webhook_endpoints/" + endpoint + "/rotate_secret", null);
        rotated.then().statusCode(200).body("id", equalTo(endpoint)).body("secret", startsWith("whsec_"));
        String newSecret = rotated.path("secret");
        assertNotEquals(oldSecret, newSecret);
        post(ACME_KEY, key, "/webhook_endpoints/" + endpoint + "/rotate_secret", null).then().statusCode(200)
                .header("Idempotent-Replayed", "true").body("secret", equalTo(newSecret));
        // a receiver still on the old secret and one already on the new both verify
        hook.secrets(oldSecret, newSecret);
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        assertTrue(hook.await(got -> !got.isEmpty(), DELIVERY));
        Delivery delivery = hook.deliveries().get(0);
        assertEquals(2, delivery.signatures(), "one v1 per secret in use");
        assertEquals(2, delivery.secretsMatched(), "each secret verifies one of them");
        // once the overlap has passed, only the new secret signs
        TestDatabase.update("UPDATE webhook_endpoints SET previous_secret_expires_at = now() - interval '1 second' "
                + "WHERE id = ?::uuid", endpoint);
        hook.secrets(newSecret);
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        assertTrue(hook.await(got -> got.size() == 2, DELIVERY));
        assertEquals(1, hook.deliveries().get(1).signatures());
        assertTrue(hook.deliveries().get(1).signed());
        as(GLOBEX_KEY).header("Idempotency-Key", newKey()).post("/webhook_endpoints/" + endpoint + "/rotate_secret")
                .then().statusCode(404);
    }

    @Test
    void redeliverySendsAnEventAgainOncePerKey() throws Exception {
        Hook hook = receiver.hook();
        register(hook, "payment.succeeded");
        String payment = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        String event = eventsOf(payment).get(0);
        assertTrue(hook.await(got -> got.size() == 1, DELIVERY));
        String key = newKey();
        post(ACME_KEY, key, "/events/" + event + "/redeliver", null).then().statusCode(202)
                .body("event_id", equalTo(event))
                .body("deliveries", hasSize(1))
                .body("deliveries[0].status", equalTo("pending"));
        assertTrue(hook.await(got -> got.size() == 2, DELIVERY));
        post(ACME_KEY, key, "/events/" + event + "/redeliver", null).then().statusCode(202)
                .header("Idempotent-Replayed", "true");
        Thread.sleep(500);
        assertEquals(2, hook.deliveries().size(), "the replay sent nothing");
        assertEquals(Set.of(event), ids(hook.deliveries()));
        post(GLOBEX_KEY, newKey(), "/events/" + event + "/redeliver", null).then().statusCode(404);
        String declined = create(ACME_KEY, newKey(), payment("pm_card_declined")).then().statusCode(402)
                .extract().path("payment_id");
        post(ACME_KEY, newKey(), "/events/" + eventsOf(declined).get(0) + "/redeliver", null).then().statusCode(409)
                .body("type", endsWith("/no-subscribed-endpoint"));
    }

    @Test
    void aRedeliveryAskedForWhileAnAttemptIsUnderWayIsSentAfterIt() throws Exception {
        Hook hook = receiver.hook().hangNext(1, Duration.ofMillis(600));
        String endpoint = register(hook, "payment.succeeded");
        String payment = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        String event = eventsOf(payment).get(0);
        // the first attempt has reached the receiver, which holds it (within the 1 s timeout)
        assertTrue(hook.awaitArrivals(1, DELIVERY));
        assertTrue(hook.deliveries().isEmpty());
        post(ACME_KEY, newKey(), "/events/" + event + "/redeliver", null).then().statusCode(202)
                .body("deliveries", hasSize(1))
                .body("deliveries[0].status", equalTo("pending"));
        // that attempt began before the request: it ends, and then the event is sent again
        assertTrue(hook.await(got -> got.size() == 2, DELIVERY), "sent again after the attempt under way");
        assertEquals(List.of(200, 200), hook.deliveries().stream().map(Delivery::answered).toList());
        assertEquals(0, hook.overlaps(), "never twice at once");
        String delivered = "SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?::uuid AND event_id = ?::uuid "
                + "AND status = 'delivered' AND attempts = 2 AND NOT send_again AND attempt_id IS NULL";
        assertTrue(Await.until(() -> TestDatabase.number(delivered, endpoint, event) == 1, Duration.ofSeconds(5)),
                "delivered, after two attempts");
        Thread.sleep(500);
        assertEquals(2, hook.deliveries().size(), "and no more");
    }

    /**
     * A deletion and an attempt's outcome both write the endpoint and its delivery: they take them
     * in one order (the endpoint first), so either waits for the other and neither is refused. The
     * test holds the delivery, so the worker's first failure (which also writes the endpoint's
     * failing_since) queues behind it, and deletes the endpoint meanwhile.
     */
    @Test
    void anEndpointDeletedWhileAnAttemptsFailureIsRecordedIsDeleted() throws Exception {
        String unrecorded = "payments_webhooks_deliveries_total{outcome=\"unrecorded\"}";
        double unrecordedBefore = Math.max(0, metric(unrecorded));
        Hook hook = receiver.hook().hangNext(1, Duration.ofMillis(1500));
        String endpoint = register(hook, "payment.succeeded");
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        assertTrue(hook.awaitArrivals(1, DELIVERY));
        try (java.sql.Connection held = TestDatabase.connect()) {
            held.setAutoCommit(false);
            long pid;
            try (var lock = held.prepareStatement("SELECT pg_backend_pid() FROM webhook_deliveries "
                    + "WHERE endpoint_id = ?::uuid FOR NO KEY UPDATE")) {
                lock.setString(1, endpoint);
                var row = lock.executeQuery();
                assertTrue(row.next());
                pid = row.getLong(1);
            }
            String waitingOnUs = "SELECT count(*) FROM pg_stat_activity WHERE ?::int = ANY (pg_blocking_pids(pid))";
            // the attempt timed out (1 s): its failure waits for the delivery
            assertTrue(Await.until(() -> TestDatabase.number(waitingOnUs, pid) == 1, DELIVERY), "the failure waits");
            var deleted = java.util.concurrent.CompletableFuture
                    .supplyAsync(() -> as(ACME_KEY).delete("/webhook_endpoints/" + endpoint).statusCode());
            assertTrue(Await.until(() -> TestDatabase.number("SELECT count(*) FROM pg_stat_activity "
                    + "WHERE wait_event_type = 'Lock' AND query LIKE 'DELETE FROM webhook_endpoints%'") == 1,
                    Duration.ofSeconds(5)), "the deletion waits");
            held.commit();
            assertEquals(204, deleted.get(10, java.util.concurrent.TimeUnit.SECONDS));
        }
        // and the failure was recorded before the deletion, not refused as a deadlock
        assertFalse(Await.until(() -> metric(unrecorded) > unrecordedBefore, Duration.ofMillis(500)),
                "the worker's outcome was refused");
        assertEquals(0, TestDatabase.number("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?::uuid", endpoint));
    }

    @Test
    void aUrlThatNowResolvesToAForbiddenAddressIsNotSentTo() throws Exception {
        Hook hook = receiver.hook();
        String endpoint = register(hook, "payment.succeeded");
        // what a DNS change would do: the endpoint's host now names a private address
        TestDatabase.update("UPDATE webhook_endpoints SET url = 'https://10.1.2.3/hook' WHERE id = ?::uuid", endpoint);
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        Await.until(() -> TestDatabase.number("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?::uuid "
                + "AND attempts >= 2", endpoint) > 0, DELIVERY);
        as(ACME_KEY).get("/webhook_endpoints/" + endpoint + "/deliveries").then()
                .body("data[0].status", equalTo("pending"))
                .body("data[0].attempts", greaterThanOrEqualTo(2))
                .body("data[0].last_status_code", nullValue())
                .body("data[0].last_error", containsString("private address"));
        assertTrue(hook.deliveries().isEmpty());
    }

    @Test
    void aDeliveryFailingPastTheRetryWindowIsGivenUpAndAnEndpointFailingForDaysIsDisabled() throws Exception {
        Hook hook = receiver.hook().failAlways(true);
        String endpoint = register(hook, "payment.succeeded");
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        assertTrue(hook.await(got -> got.size() >= 2, DELIVERY));
        // as if it had been failing for 6 days, its delivery scheduled 4 days ago
        TestDatabase.update("UPDATE webhook_deliveries SET scheduled_at = now() - interval '4 days' WHERE endpoint_id = ?::uuid",
                endpoint);
        TestDatabase.update("UPDATE webhook_endpoints SET failing_since = now() - interval '6 days' WHERE id = ?::uuid",
                endpoint);
        await("the endpoint disabled").atMost(DELIVERY)
                .until(() -> "disabled".equals(as(ACME_KEY).get("/webhook_endpoints/" + endpoint).path("status")));
        as(ACME_KEY).get("/webhook_endpoints/" + endpoint).then().body("status", equalTo("disabled"));
        as(ACME_KEY).get("/webhook_endpoints/" + endpoint + "/deliveries").then()
                .body("data[0].status", equalTo("failed")).body("data[0].last_status_code", equalTo(500));
        int sent = hook.deliveries().size();
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        Thread.sleep(700);
        assertEquals(sent, hook.deliveries().size(), "nothing is sent to a disabled endpoint");
        assertEquals(1, TestDatabase.number("SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?::uuid", endpoint));
    }

    @Test
    void aHangingEndpointDoesNotDelayTheOthers() throws Exception {
        Hook slow = receiver.hook().hangNext(1000, Duration.ofMillis(3000));
        Hook healthy = receiver.hook();
        register(slow, "payment.succeeded");
        register(healthy, "payment.succeeded");
        List<String> payments = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            payments.add(create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id"));
        }
        List<String> events = payments.stream().flatMap(p -> eventsOf(p).stream()).toList();
        // 30 events at 8 attempts at once to the slow one, each timing out after 1s, take it 4s and
        // more; the healthy one gets each event at once all the same, while the service never has
        // more than 8 attempts under way to the slow one
        java.util.concurrent.atomic.AtomicLong mostInFlight = new java.util.concurrent.atomic.AtomicLong();
        Await.until(() -> {
            mostInFlight.accumulateAndGet(TestDatabase.number("SELECT count(*) FROM webhook_deliveries d "
                    + "JOIN webhook_endpoints e ON e.id = d.endpoint_id "
                    + "WHERE e.url = ? AND d.attempt_id IS NOT NULL AND d.next_attempt_at > now()", slow.url()), Math::max);
            return mostInFlight.get() > 0 && ids(healthy.deliveries()).containsAll(events);
        }, Duration.ofSeconds(10));
        long inFlight = mostInFlight.get();
        assertTrue(ids(healthy.deliveries()).containsAll(events),
                "the healthy endpoint got " + healthy.deliveries().size() + " of 30");
        long slowest = healthy.deliveries().stream()
                .mapToLong(d -> Duration.between(java.time.Instant.parse(d.event().get("created_at").asText()), d.at())
                        .toMillis())
                .max().orElseThrow();
        assertTrue(slowest < 2000, "each event at the healthy endpoint within 2s of its commit: " + slowest + " ms");
        assertTrue(inFlight > 0 && inFlight <= 8, "at most 8 attempts at once to one endpoint: " + inFlight);
        slow.hangNext(0, Duration.ZERO);
    }

    @Test
    void aMerchantHasAtMostSixteenEndpoints() {
        long existing = TestDatabase.number("SELECT count(*) FROM webhook_endpoints WHERE merchant_id = 'acme'");
        for (long i = existing; i < 16; i++) {
            register(receiver.hook(), "refund.failed");
        }
        String key = newKey();
        Map<String, Object> body = Map.of("url", receiver.hook().url(), "enabled_events", List.of("*"));
        post(ACME_KEY, key, "/webhook_endpoints", body).then().statusCode(409)
                .body("type", endsWith("/too-many-webhook-endpoints"));
        post(ACME_KEY, key, "/webhook_endpoints", body).then().statusCode(409).header("Idempotent-Replayed", "true");
    }
}
