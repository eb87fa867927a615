package dev.payments.payment;

import static dev.payments.testsupport.Api.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.ProcessorInvariants;
import dev.payments.testsupport.Simulator;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
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
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Real concurrent HTTP requests on one payment, retried as the API asks (503 and 409 with
 * Retry-After, same key): refunds that together exceed what was captured, capture racing cancel,
 * refund racing capture, and one refund key sent by many. Each ends by checking the database's sums
 * by SQL and the processor's ledger against them.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class LifecycleRaceTest {

    private static final String PROBLEMS = "https://payments.example/problems/";
    private static final int RACERS = 32;
    private static final ExecutorService POOL = Executors.newFixedThreadPool(RACERS);

    @AfterAll
    static void stopPool() {
        POOL.shutdownNow();
    }

    @AfterEach
    void invariantsHold() throws InterruptedException {
        ProcessorInvariants.check(Simulator.shared(), Duration.ofSeconds(20));
    }

    /** Runs every call at once (after one latch) and returns their answers in order. */
    private static List<Response> race(List<Callable<Response>> calls) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Response>> futures = new ArrayList<>();
        for (Callable<Response> call : calls) {
            futures.add(POOL.submit(() -> {
                start.await();
                return call.call();
            }));
        }
        start.countDown();
        List<Response> answers = new ArrayList<>();
        for (Future<Response> future : futures) {
            answers.add(future.get(120, TimeUnit.SECONDS));
        }
        return answers;
    }

    private static List<String> authorizations(int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(createAsClient(ACME_KEY, newKey(), authorization()).then().statusCode(201).extract().path("id"));
        }
        return ids;
    }

    private static String type(Response response) {
        String type = response.path("type");
        return type == null ? String.valueOf(response.statusCode()) : type.replace(PROBLEMS, "");
    }

    @Test
    void refundsThatTogetherExceedTheCapturedAmountRefundExactlyWhatFits() throws Exception {
        String id = createAsClient(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        // 32 refunds of 100 on 2500 captured: 25 fit, 7 do not
        List<Callable<Response>> refunds = new ArrayList<>();
        for (int i = 0; i < RACERS; i++) {
            String key = newKey();
            refunds.add(() -> postAsClient(ACME_KEY, key, "/payments/" + id + "/refunds", Map.of("amount", 100)));
        }
        List<Response> answers = race(refunds);
        Map<String, Long> outcomes = answers.stream().collect(Collectors.groupingBy(r -> r.statusCode() == 201
                ? r.<String>path("status") : type(r), Collectors.counting()));
        System.out.printf("[lifecycle race] 32 refunds of 100 on 2500 captured: %s%n", outcomes);
        assertEquals(Map.of("succeeded", 25L, "refund-exceeds-remaining", 7L), outcomes);
        assertEquals(2500L, TestDatabase.number("SELECT amount_refunded FROM payments WHERE id = ?::uuid", id));
        assertEquals(25L, TestDatabase.number("SELECT count(*) FROM refunds WHERE payment_id = ?::uuid", id));
        assertEquals(2500, Simulator.shared().chargesFor(id).get(0).get("amount_refunded").asLong(),
                "the processor refunded exactly what was captured, never more");
        assertEquals(List.of(), ProcessorInvariants.checkAmounts());
    }

    @Test
    void captureRacingCancelHasExactlyOneWinner() throws Exception {
        int payments = 8;
        List<String> ids = authorizations(payments);
        List<Callable<Response>> calls = new ArrayList<>();
        for (String id : ids) {
            String captureKey = newKey();
            String cancelKey = newKey();
            calls.add(() -> postAsClient(ACME_KEY, captureKey, "/payments/" + id + "/capture", null));
            calls.add(() -> postAsClient(ACME_KEY, cancelKey, "/payments/" + id + "/cancel", null));
        }
        List<Response> answers = race(calls);
        int captures = 0;
        for (int i = 0; i < payments; i++) {
            Response capture = answers.get(2 * i);
            Response cancel = answers.get(2 * i + 1);
            assertEquals(1, (capture.statusCode() == 200 ? 1 : 0) + (cancel.statusCode() == 200 ? 1 : 0),
                    "one winner: " + capture.asString() + " / " + cancel.asString());
            if (capture.statusCode() == 200) {
                captures++;
                assertEquals("payment-not-cancelable", type(cancel));
            } else {
                assertEquals("payment-not-capturable", type(capture));
            }
            String status = capture.statusCode() == 200 ? "succeeded" : "canceled";
            assertEquals(status, TestDatabase.rows("SELECT status FROM payments WHERE id = ?::uuid", ids.get(i))
                    .get(0).get("status"));
        }
        System.out.printf("[lifecycle race] capture vs cancel on %d payments: %d captured, %d canceled%n", payments,
                captures, payments - captures);
    }

    @Test
    void refundRacingCaptureRefundsOnlyWhatWasCaptured() throws Exception {
        int payments = 8;
        List<String> ids = authorizations(payments);
        List<Callable<Response>> calls = new ArrayList<>();
        for (String id : ids) {
            String captureKey = newKey();
            String refundKey = newKey();
            calls.add(() -> postAsClient(ACME_KEY, captureKey, "/payments/" + id + "/capture", Map.of("amount", 2000)));
            calls.add(() -> postAsClient(ACME_KEY, refundKey, "/payments/" + id + "/refunds", null));
        }
        List<Response> answers = race(calls);
        int refunded = 0;
        for (int i = 0; i < payments; i++) {
            assertEquals(200, answers.get(2 * i).statusCode(), answers.get(2 * i).asString());
            Response refund = answers.get(2 * i + 1);
            if (refund.statusCode() == 201) {
                refunded++;
                assertEquals(2000, (int) refund.path("amount"), "a refund after the capture refunds what it captured");
            } else {
                assertEquals("payment-not-refundable", type(refund), refund.asString());
            }
        }
        System.out.printf("[lifecycle race] refund vs capture on %d payments: %d refunds after the capture, %d refused%n",
                payments, refunded, payments - refunded);
    }

    @Test
    void oneRefundKeySentByManyMakesOneRefund() throws Exception {
        String id = createAsClient(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        String key = newKey();
        List<Callable<Response>> calls = new ArrayList<>();
        for (int i = 0; i < RACERS; i++) {
            calls.add(() -> postAsClient(ACME_KEY, key, "/payments/" + id + "/refunds", Map.of("amount", 300)));
        }
        Set<String> refundIds = new HashSet<>();
        int originals = 0;
        for (Response answer : race(calls)) {
            assertEquals(201, answer.statusCode(), answer.asString());
            refundIds.add(answer.path("id"));
            originals += answer.header("Idempotent-Replayed") == null ? 1 : 0;
        }
        assertEquals(1, refundIds.size());
        assertEquals(1, originals);
        assertEquals(300L, TestDatabase.number("SELECT amount_refunded FROM payments WHERE id = ?::uuid", id));
    }
}
