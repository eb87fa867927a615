package dev.payments.payment;

import static dev.payments.testsupport.Api.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A write that reaches a read-only server (SQLSTATE 25006: a replica behind a balancer that has not
 * noticed a failover yet, or a connection opened to the old primary) is unavailability: 503 with
 * Retry-After, nothing stored, and the retry with the same key makes the payment once the writes
 * reach a primary again. Real PostgreSQL sessions made read-only for the service's role.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ReadOnlyDatabaseTest {

    @Test
    void aWriteOnAReadOnlyServerIs503AndItsRetryMakesThePaymentOnce() throws InterruptedException {
        String key = newKey();
        Map<String, Object> body = visa();
        TestDatabase.serviceReadOnly(true);
        try {
            // the first answers may meet the sessions just ended (also a 503); every one after is read-only
            for (int i = 0; i < 40; i++) {
                Response answer = create(ACME_KEY, key, body);
                assertEquals(503, answer.statusCode(), "attempt " + i + ": " + answer.asString());
                assertEquals("application/problem+json", answer.contentType());
                assertTrue(answer.path("type").toString().endsWith("/service-unavailable"), answer.asString());
                assertEquals("1", answer.header("Retry-After"));
            }
            assertEquals(0, TestDatabase.keyRows(ACME, key), "nothing stored by a write a replica refused");
        } finally {
            TestDatabase.serviceReadOnly(false);
        }
        Response created = null;
        for (int i = 0; i < 20 && (created == null || created.statusCode() == 503); i++) {
            if (created != null) {
                Thread.sleep(250);
            }
            created = create(ACME_KEY, key, body);
        }
        assertEquals(201, created.statusCode(), created.asString());
        assertEquals(1, TestDatabase.keyRows(ACME, key));
        assertEquals(1, TestDatabase.number("SELECT count(*) FROM payments p JOIN idempotency_keys k "
                + "ON k.payment_id = p.id WHERE k.merchant_id = ? AND k.idempotency_key = ?", ACME, key));
    }
}
