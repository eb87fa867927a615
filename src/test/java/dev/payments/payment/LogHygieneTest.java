package dev.payments.payment;

import static dev.payments.testsupport.Api.*;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The log never holds an API key or a request body, for any outcome. In process the service's log
 * records are captured as they are written; against the packaged jar its log file
 * (target/quarkus.log) is read. Each test first finds a line it expects, so it cannot pass by
 * looking at the wrong log.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class LogHygieneTest {

    private final ConcurrentLinkedQueue<String> captured = new ConcurrentLinkedQueue<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            captured.add(String.valueOf(record.getMessage()) + " " + java.util.Arrays.toString(record.getParameters())
                    + (record.getThrown() == null ? "" : " " + record.getThrown()));
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void capture() {
        java.util.logging.Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void release() {
        java.util.logging.Logger.getLogger("").removeHandler(capture);
    }

    @Test
    void noApiKeyAndNoRequestBodyIsLogged() throws Exception {
        String secret = "secret" + UUID.randomUUID().toString().replace("-", "");
        String unknownKey = "sk_test_" + secret;
        String key = newKey();

        as(unknownKey).get("/payments").then().statusCode(401);
        given().header("Authorization", "Bearer " + secret + " junk").get("/payments").then().statusCode(401);
        Map<String, Object> body = visa();
        body.put("description", "desc-" + secret);
        body.put("metadata", Map.of("card_holder", "holder-" + secret));
        create(ACME_KEY, key, body).then().statusCode(201);
        create(ACME_KEY, key, body).then().statusCode(201);
        body.put("amount", 1);
        create(ACME_KEY, key, body).then().statusCode(422);
        as(ACME_KEY).header("Idempotency-Key", newKey()).contentType(ContentType.JSON)
                .body("{\"amount\":1,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\",\"description\":\"" + secret + "\\u0000\"}")
                .post("/payments").then().statusCode(400);
        as(ACME_KEY).header("Idempotency-Key", newKey()).contentType(ContentType.JSON).body("{\"" + secret + "\": 1}")
                .post("/payments").then().statusCode(400);

        String log = awaitLog(key);
        assertTrue(log.contains(key), "the payment's line (with its idempotency key) is in the log we read");
        assertFalse(log.contains(secret), "an API key, a description, metadata or an unknown field name was logged");
        assertFalse(log.contains(ACME_KEY), "a merchant's API key was logged");
    }

    @Test
    void noWebhookSecretIsLoggedSealedOrInClear() throws Exception {
        io.restassured.response.Response created = post(ACME_KEY, newKey(), "/webhook_endpoints",
                Map.of("url", "http://127.0.0.1:9/hook", "enabled_events", java.util.List.of("refund.failed")));
        created.then().statusCode(201);
        String id = created.path("id");
        String rotated = post(ACME_KEY, newKey(), "/webhook_endpoints/" + id + "/rotate_secret", null)
                .then().statusCode(200).extract().path("secret");
        String sealed = dev.payments.testsupport.TestDatabase.rows(
                "SELECT secret FROM webhook_endpoints WHERE id = ?::uuid", id).get(0).get("secret").toString();
        as(ACME_KEY).delete("/webhook_endpoints/" + id).then().statusCode(204);

        String log = awaitLog(id);
        assertTrue(log.contains(id), "the endpoint's lines are in the log we read");
        for (String secret : new String[] {created.path("secret"), rotated, sealed}) {
            assertFalse(log.contains(secret), "a webhook secret was logged: " + secret);
        }
        assertFalse(log.contains("whsec_"), "a webhook secret was logged");
    }

    /** The log as far as it holds {@code expected}, waiting briefly for the asynchronous console and file writers. */
    private String awaitLog(String expected) throws Exception {
        Path file = Path.of("target", "quarkus.log");
        String log = "";
        for (int i = 0; i < 50 && !log.contains(expected); i++) {
            Thread.sleep(100);
            log = String.join("\n", captured) + (Files.exists(file) ? Files.readString(file) : "");
        }
        return log;
    }
}
