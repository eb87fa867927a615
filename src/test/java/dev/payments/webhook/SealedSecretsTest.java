package dev.payments.webhook;

import static dev.payments.testsupport.Api.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.payments.idempotency.IdempotencyStore;
import dev.payments.testsupport.Await;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.WebhookReceiver;
import dev.payments.testsupport.WebhookReceiver.Hook;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What sealing the secrets is for, in process (it needs a second key and the job at hand): a
 * database without the key cannot sign (a delivery whose secret was sealed under another key is not
 * sent), a sealed secret is bound to its endpoint, rows stored in clear before V9 are sealed by the
 * job with their replays unchanged, and a new key takes over every row while the old one still opens.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class SealedSecretsTest {

    private static final Duration DELIVERY = Duration.ofSeconds(15);
    private static WebhookReceiver receiver;

    @Inject
    SealedSecrets secrets;
    @Inject
    ResealSecrets reseal;
    @Inject
    WebhookEndpointStore endpointStore;
    @Inject
    IdempotencyStore keyStore;
    @Inject
    ObjectMapper json;

    @BeforeAll
    static void startReceiver() {
        receiver = WebhookReceiver.start();
    }

    @AfterAll
    static void stopReceiver() {
        receiver.close();
    }

    private static byte[] newKey256() {
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        return key;
    }

    private static String sealedSecretOf(String endpointId) {
        return TestDatabase.rows("SELECT secret FROM webhook_endpoints WHERE id = ?::uuid", endpointId).get(0).get("secret")
                .toString();
    }

    @Test
    void withoutTheKeyNothingIsSignedAndASealedSecretOpensOnlyForItsEndpoint() throws Exception {
        Hook hook = receiver.hook();
        Response created = post(ACME_KEY, newKey(), "/webhook_endpoints",
                Map.of("url", hook.url(), "enabled_events", List.of("payment.succeeded")));
        String id = created.then().statusCode(201).extract().path("id");
        String secret = created.path("secret");
        hook.secrets(secret);
        String sealed = sealedSecretOf(id);
        try {
            assertEquals(secret, secrets.open(sealed, UUID.fromString(id)));
            assertThrows(SealedSecrets.Unreadable.class, () -> secrets.open(sealed, UUID.randomUUID()),
                    "bound to its endpoint: copied onto another row it does not open");
            // the database as restored somewhere without this key: the same secret, sealed under another
            SealedSecrets elsewhere = new SealedSecrets(newKey256(), List.of(), json);
            assertThrows(SealedSecrets.Unreadable.class, () -> elsewhere.open(sealed, UUID.fromString(id)));
            TestDatabase.update("UPDATE webhook_endpoints SET secret = ? WHERE id = ?::uuid",
                    elsewhere.seal(secret, UUID.fromString(id)), id);
            create(ACME_KEY, newKey(), visa()).then().statusCode(201);
            // an attempt's outcome is recorded (its row in webhook_delivery_attempts), not just claimed
            assertTrue(Await.until(() -> TestDatabase.number("SELECT count(*) FROM webhook_delivery_attempts a "
                    + "JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.endpoint_id = ?::uuid", id) > 0, DELIVERY));
            as(ACME_KEY).get("/webhook_endpoints/" + id + "/deliveries").then().statusCode(200)
                    .body("data[0].status", equalTo("pending"))
                    .body("data[0].last_error", containsString("secret cannot be read"));
            assertTrue(hook.deliveries().isEmpty(), "nothing sent without a signature");
            // with the key back, the retry is delivered, signed with the secret
            TestDatabase.update("UPDATE webhook_endpoints SET secret = ? WHERE id = ?::uuid", sealed, id);
            assertTrue(hook.await(got -> !got.isEmpty(), DELIVERY), "delivered once the key is back");
            assertTrue(hook.deliveries().get(0).signed());
        } finally {
            as(ACME_KEY).delete("/webhook_endpoints/" + id).then().statusCode(204);
        }
    }

    @Test
    void rowsInClearFromBeforeAreSealedByTheJobAndReplayTheSame() {
        String key = newKey();
        Map<String, Object> body = Map.of("url", receiver.hook().url(), "enabled_events", List.of("refund.failed"));
        Response created = post(ACME_KEY, key, "/webhook_endpoints", body);
        String id = created.then().statusCode(201).extract().path("id");
        String secret = created.path("secret");
        try {
            // as V8 left them: the secret in clear in the endpoint and in the answer on the key
            String sealed = sealedSecretOf(id);
            TestDatabase.update("UPDATE webhook_endpoints SET secret = ? WHERE id = ?::uuid", secret, id);
            TestDatabase.update("UPDATE idempotency_keys SET response_body = replace(response_body, ?, ?) "
                    + "WHERE merchant_id = ? AND idempotency_key = ?", sealed, secret, ACME, key);
            assertNotEquals("", SecretsAtRestTest.tablesContaining(secret.substring(6)));

            assertTrue(reseal.endpoints() >= 1);
            assertTrue(reseal.answers() >= 1);
            assertEquals("", SecretsAtRestTest.tablesContaining(secret.substring(6)), "sealed everywhere");
            assertEquals(secret, secrets.open(sealedSecretOf(id), UUID.fromString(id)));
            post(ACME_KEY, key, "/webhook_endpoints", body).then().statusCode(201)
                    .header("Idempotent-Replayed", "true").body(equalTo(created.asString()));
        } finally {
            as(ACME_KEY).delete("/webhook_endpoints/" + id).then().statusCode(204);
        }
    }

    @Test
    void aNewKeySealsEverythingAgainWhileTheOldOneStillOpens() {
        String key = newKey();
        Map<String, Object> body = Map.of("url", receiver.hook().url(), "enabled_events", List.of("refund.failed"));
        Response created = post(ACME_KEY, key, "/webhook_endpoints", body);
        String id = created.then().statusCode(201).extract().path("id");
        String secret = created.path("secret");
        byte[] oldKey = SealedSecrets.decodeKey(TestEnvironment.WEBHOOK_ENCRYPTION_KEY);
        byte[] newKey = newKey256();
        SealedSecrets rotated = new SealedSecrets(newKey, List.of(oldKey), json);
        try {
            assertTrue(new ResealSecrets(rotated, endpointStore, keyStore, true).endpoints() >= 1);
            new ResealSecrets(rotated, endpointStore, keyStore, true).answers();
            assertEquals(0, TestDatabase.number("SELECT count(*) FROM webhook_endpoints WHERE NOT starts_with(secret, ?)",
                    rotated.currentPrefix()), "every endpoint under the new key");
            assertTrue(TestDatabase.keyRow(ACME, key).orElseThrow().get("response_body").toString()
                    .contains("\"secret\":\"" + rotated.currentPrefix()), "and the answer on the key");
            // the new key alone opens them now: the old one can go
            SealedSecrets newOnly = new SealedSecrets(newKey, List.of(), json);
            assertEquals(secret, newOnly.open(sealedSecretOf(id), UUID.fromString(id)));
        } finally {
            // back to the key the service runs with, for the other tests
            SealedSecrets back = new SealedSecrets(oldKey, List.of(newKey), json);
            new ResealSecrets(back, endpointStore, keyStore, true).endpoints();
            new ResealSecrets(back, endpointStore, keyStore, true).answers();
            as(ACME_KEY).delete("/webhook_endpoints/" + id).then().statusCode(204);
        }
        post(ACME_KEY, key, "/webhook_endpoints", body).then().statusCode(201).body(equalTo(created.asString()));
    }
}
