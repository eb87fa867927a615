package dev.payments.webhook;

import static dev.payments.testsupport.Api.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.Await;
import dev.payments.testsupport.FakeDns;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.WebhookReceiver;
import dev.payments.testsupport.WebhookReceiver.Hook;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Endpoints' names are resolved without blocking and within payments.webhooks.dns-timeout (2 s),
 * against a DNS server the test controls: a name whose server never answers is refused at
 * registration with a 400 in about 2 s (the key not used up), and before a delivery it fails that
 * attempt only, while another endpoint's delivery of the same event goes out at once.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class WebhookDnsTest {

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
    void deleteEndpoints() {
        endpoints.forEach(id -> as(ACME_KEY).delete("/webhook_endpoints/" + id));
    }

    /** The receiver's hook, by a name the fake DNS resolves to loopback (allow-insecure-local admits it in tests). */
    private static String byName(Hook hook, String name) {
        URI url = URI.create(hook.url());
        return "http://" + name + ":" + url.getPort() + url.getPath();
    }

    @Test
    void aNameWhoseServerNeverAnswersIsRefusedWithinTheLimit() {
        String name = "hang-" + UUID.randomUUID() + ".test";
        FakeDns.shared().hang(name);
        String key = newKey();
        Response refused = post(ACME_KEY, key, "/webhook_endpoints",
                Map.of("url", "https://" + name + "/hook", "enabled_events", List.of("*")));
        long millis = refused.timeIn(TimeUnit.MILLISECONDS);
        System.out.printf("[dns] registration of a name whose DNS server never answers: %d %d ms%n",
                refused.statusCode(), millis);
        refused.then().statusCode(400).contentType("application/problem+json")
                .body("errors[0].field", equalTo("url"))
                .body("errors[0].message", containsString("does not resolve in time"));
        assertTrue(millis >= 1900 && millis < 4000, "answered at the limit, not before nor long after: " + millis + " ms");
        assertEquals(0, TestDatabase.keyRows(ACME, key), "the key is not used up");
    }

    @Test
    void oneEndpointsSlowDnsDelaysNoOtherDelivery() throws Exception {
        String slowName = "slow-" + UUID.randomUUID() + ".test";
        String fastName = "fast-" + UUID.randomUUID() + ".test";
        FakeDns.shared().answer(slowName, "127.0.0.1").answer(fastName, "127.0.0.1");
        Hook slow = receiver.hook();
        Hook fast = receiver.hook();
        String slowEndpoint = register(slow, byName(slow, slowName));
        register(fast, byName(fast, fastName));
        // from now on the slow endpoint's DNS server never answers
        FakeDns.shared().hang(slowName);
        long created = System.nanoTime();
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
        assertTrue(fast.await(got -> !got.isEmpty(), Duration.ofSeconds(15)), "the other endpoint is delivered to");
        long fastMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - created);
        System.out.printf("[dns] with another endpoint's DNS hanging, this one's delivery came %d ms after the payment%n",
                fastMillis);
        assertTrue(fastMillis < 1500, "not held up by the other endpoint's DNS: " + fastMillis + " ms");
        assertTrue(Await.until(() -> TestDatabase.number("SELECT count(*) FROM webhook_delivery_attempts a "
                + "JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ?::uuid", slowEndpoint) > 0,
                Duration.ofSeconds(15)), "the slow endpoint's attempt is recorded");
        String delivery = as(ACME_KEY).get("/webhook_endpoints/" + slowEndpoint + "/deliveries").then().statusCode(200)
                .body("data[0].status", equalTo("pending"))
                .body("data[0].last_error", containsString("does not resolve in time"))
                .extract().path("data[0].id");
        as(ACME_KEY).get("/webhook_endpoints/" + slowEndpoint + "/deliveries/" + delivery + "/attempts").then()
                .body("data[0].error_kind", equalTo("url_refused"))
                .body("data[0].duration_ms", allOf(greaterThanOrEqualTo(1900), lessThan(4000)));
        assertTrue(slow.deliveries().isEmpty());
    }

    private String register(Hook hook, String url) {
        Response created = post(ACME_KEY, newKey(), "/webhook_endpoints", Map.of("url", url, "enabled_events",
                List.of("payment.succeeded")));
        created.then().statusCode(201);
        hook.secrets(created.path("secret").toString());
        String id = created.path("id");
        endpoints.add(id);
        return id;
    }
}
