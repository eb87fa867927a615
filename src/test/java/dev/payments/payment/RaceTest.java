package dev.payments.payment;

import static dev.payments.testsupport.Api.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.ProcessorInvariants;
import dev.payments.testsupport.Simulator;
import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real concurrent HTTP requests, retried as the API asks (503 and 409 with Retry-After, same key):
 * one payment per key, one id for every racer, and no other failure.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class RaceTest {

    private static final int RACERS = 32;
    private static final int KEYS = 4;
    private static final int DISTINCT = 200;

    @AfterEach
    void invariantsHold() throws InterruptedException {
        ProcessorInvariants.check(Simulator.shared(), Duration.ofSeconds(20));
    }

    @Test
    void racingRequestsWithOneKeyMakeOnePayment() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            for (int round = 0; round < KEYS; round++) {
                String key = newKey();
                Map<String, Object> body = visa();
                String id = raceToOnePayment(pool, key, body, () -> createAsClient(ACME_KEY, key, body));
                System.out.printf("race %s: %d requests, 1 original, %d replays, id %s%n", key, RACERS, RACERS - 1, id);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void racingRequestsWaitForASlowChargeAndReplayIt() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            String key = newKey();
            Map<String, Object> body = payment("pm_card_slow");
            // no retries: every racer waits out the 1.5 s charge and replays its answer
            String id = raceToOnePayment(pool, key, body, () -> create(ACME_KEY, key, body));
            assertEquals("succeeded", TestDatabase.rows("SELECT status FROM payments WHERE id = ?::uuid", id)
                    .get(0).get("status"));
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * RACERS requests at once, each made by {@code request}: every one 201 with one payment id, made
     * by exactly one of them, and one payment in the database. The payment's id.
     */
    private static String raceToOnePayment(ExecutorService pool, String key, Map<String, Object> body,
            Callable<Response> request) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> futures = new ArrayList<>();
        for (int i = 0; i < RACERS; i++) {
            futures.add(pool.submit(() -> {
                start.await();
                return request.call();
            }));
        }
        start.countDown();
        Set<String> ids = new HashSet<>();
        int originals = 0;
        for (Future<Response> future : futures) {
            Response response = future.get(60, TimeUnit.SECONDS);
            assertEquals(201, response.statusCode(), response.asString());
            ids.add(response.path("id"));
            if (response.header("Idempotent-Replayed") == null) {
                originals++;
            }
        }
        assertEquals(1, ids.size(), "every racer must get the same payment: " + ids);
        assertEquals(1, originals, "exactly one racer creates the payment");
        assertEquals(1, TestDatabase.paymentsDescribed((String) body.get("description")), key);
        return ids.iterator().next();
    }

    @Test
    void concurrentDistinctKeysMakeOnePaymentEach() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(RACERS);
        try {
            String description = "distinct " + newKey();
            CountDownLatch start = new CountDownLatch(1);
            List<String> keys = new ArrayList<>();
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < DISTINCT; i++) {
                String key = newKey();
                keys.add(key);
                futures.add(pool.submit(() -> {
                    start.await();
                    Map<String, Object> body = visa();
                    body.put("description", description);
                    return createAsClient(GLOBEX_KEY, key, body);
                }));
            }
            start.countDown();
            Map<String, String> idByKey = new HashMap<>();
            for (int i = 0; i < DISTINCT; i++) {
                Response response = futures.get(i).get(120, TimeUnit.SECONDS);
                assertEquals(201, response.statusCode(), response.asString());
                idByKey.put(keys.get(i), response.path("id"));
            }
            assertEquals(DISTINCT, new HashSet<>(idByKey.values()).size());
            assertEquals(DISTINCT, TestDatabase.paymentsDescribed(description));
            // creates that arrive together share their phases' statements: each request must still
            // have got its own payment, its key naming it and answering with it, and one event
            for (Map<String, Object> row : TestDatabase.rows("""
                    SELECT k.idempotency_key, k.payment_id::text AS key_payment, k.response_status,
                           k.response_body::jsonb ->> 'id' AS answered, p.id::text AS payment, p.status,
                           p.idempotency_key AS payment_key,
                           (SELECT count(*) FROM events e WHERE e.object_id = p.id) AS events
                    FROM payments p JOIN idempotency_keys k
                      ON k.merchant_id = p.merchant_id AND k.idempotency_key = p.idempotency_key
                    WHERE p.description = ?""", description)) {
                String id = idByKey.get((String) row.get("idempotency_key"));
                assertEquals(id, row.get("payment"), "the payment of the key's request: " + row);
                assertEquals(id, row.get("key_payment"), row.toString());
                assertEquals(id, row.get("answered"), row.toString());
                assertEquals(201, ((Number) row.get("response_status")).intValue(), row.toString());
                assertEquals("succeeded", row.get("status"), row.toString());
                assertEquals(1L, ((Number) row.get("events")).longValue(), "one event per payment: " + row);
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
