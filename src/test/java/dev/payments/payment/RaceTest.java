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
            List<Future<Response>> futures = new ArrayList<>();
            for (int i = 0; i < DISTINCT; i++) {
                futures.add(pool.submit(() -> {
                    start.await();
                    Map<String, Object> body = visa();
                    body.put("description", description);
                    return createAsClient(GLOBEX_KEY, newKey(), body);
                }));
            }
            start.countDown();
            Set<String> ids = new HashSet<>();
            for (Future<Response> future : futures) {
                Response response = future.get(120, TimeUnit.SECONDS);
                assertEquals(201, response.statusCode(), response.asString());
                ids.add(response.path("id"));
            }
            assertEquals(DISTINCT, ids.size());
            assertEquals(DISTINCT, TestDatabase.paymentsDescribed(description));
        } finally {
            pool.shutdownNow();
        }
    }
}
