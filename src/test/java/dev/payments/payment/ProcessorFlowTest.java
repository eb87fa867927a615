package dev.payments.payment;

import static dev.payments.testsupport.Api.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import dev.payments.testsupport.Await;
import dev.payments.testsupport.ProcessorInvariants;
import dev.payments.testsupport.Simulator;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The create flow's phases against the processor simulator over HTTP, one test per path: the
 * outcome known at once, known after a retry inside the request, unknown (503, then finished by a
 * retry with the key or by the recovery job), and a duplicate that waits for the original's
 * outcome. Every test ends by checking the ledger against the database.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class ProcessorFlowTest {

    private static final String PROBLEM = "application/problem+json";

    private final Simulator simulator = Simulator.shared();

    @BeforeEach
    @AfterEach
    void noFaultsLeft() {
        simulator.clearFaults();
        simulator.latency(0);
    }

    @AfterEach
    void invariantsHold() throws InterruptedException {
        ProcessorInvariants.check(simulator, Duration.ofSeconds(20));
    }

    @Test
    void chargesOnceUnderThePaymentsOwnProcessorKey() {
        String id = create(ACME_KEY, newKey(), visa()).then().statusCode(201)
                .body("status", equalTo("succeeded")).extract().path("id");
        List<JsonNode> charges = simulator.chargesFor(id);
        assertEquals(1, charges.size());
        assertEquals("payment-" + id + "-charge", charges.get(0).get("idempotency_key").asText());
        assertEquals(2500, charges.get(0).get("amount").asLong());
        assertEquals("EUR", charges.get(0).get("currency").asText());
        Map<String, Object> row = stored(id);
        assertEquals(charges.get(0).get("id").asText(), row.get("processor_charge_id"));
    }

    @Test
    void aDeclineIsRecordedWithTheProcessorsCode() {
        Response declined = create(ACME_KEY, newKey(), payment("pm_card_insufficient_funds"));
        declined.then().statusCode(402).contentType(PROBLEM).body("decline_code", equalTo("insufficient_funds"));
        String id = declined.path("payment_id");
        assertEquals("declined", simulator.chargesFor(id).get(0).get("status").asText());
        assertEquals("insufficient_funds", stored(id).get("decline_code"));
    }

    @Test
    void aFailureBeforeTheProcessorActedIsRetriedInsideTheRequest() {
        simulator.fault("error_before");
        create(ACME_KEY, newKey(), visa()).then().statusCode(201).header("Idempotent-Replayed", nullValue());
    }

    @Test
    void aLostAnswerIsRetriedWithTheSameKeyAndTheChargeIsNotDoubled() {
        simulator.fault("reset_after");
        String id = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        assertEquals(1, simulator.chargesFor(id).size());
        assertEquals(2, simulator.ledger().get("requests_per_key").get("payment-" + id + "-charge").asInt(),
                "the retry reached the processor and was answered from its key");
    }

    @Test
    void aProcessorConflictIsWaitedOutAsItsRetryAfterSays() {
        simulator.fault("conflict");
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
    }

    @Test
    void aProcessorRateLimitIsWaitedOutToo() {
        simulator.fault("rate_limit");
        create(ACME_KEY, newKey(), visa()).then().statusCode(201);
    }

    @Test
    void anOutageOpensTheCircuitAndNewPaymentsAreRefusedBeforeAnythingIsStored() throws Exception {
        simulator.fault("error_before", 1_000, "/v1/charges", 0);
        // each create makes two failing calls: ten of them fill the breaker's window of 20
        for (int i = 0; i < 10; i++) {
            create(ACME_KEY, newKey(), visa()).then().statusCode(503);
        }
        String key = newKey();
        Map<String, Object> body = visa();
        create(ACME_KEY, key, body).then().statusCode(503).contentType(PROBLEM).header("Retry-After", notNullValue())
                .body("type", endsWith("/processor-unavailable"));
        assertEquals(0, TestDatabase.keyRows(ACME, key), "refused before anything was stored: the key is not used up");
        assertEquals(0, TestDatabase.paymentsDescribed((String) body.get("description")));
        // the processor is back; the breaker lets a trial call through after its delay and closes
        simulator.clearFaults();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        int status;
        do {
            Thread.sleep(500);
            status = createAsClient(ACME_KEY, key, body).statusCode();
        } while (status != 201 && System.nanoTime() < deadline);
        assertEquals(201, status, "payments go through again once the processor answers");
    }

    @Test
    void anUnknownOutcomeIs503AndARetryWithTheKeyAdoptsTheCharge() {
        String key = newKey();
        Map<String, Object> body = visa();
        // the charge is made but its answer lost, and the retry inside the request fails too
        simulator.fault("error_after");
        simulator.fault("error_before");
        Response unknown = create(ACME_KEY, key, body);
        unknown.then().statusCode(503).contentType(PROBLEM).header("Retry-After", notNullValue())
                .body("type", endsWith("/payment-processing"));
        String id = unknown.path("payment_id");
        as(ACME_KEY).get("/payments/" + id).then().statusCode(200).body("status", equalTo("processing"));
        assertEquals(1, simulator.chargesFor(id).size(), "the processor charged; only its answer was lost");

        create(ACME_KEY, key, body).then().statusCode(201).header("Idempotent-Replayed", "true")
                .body("id", equalTo(id)).body("status", equalTo("succeeded"));
        assertEquals(1, simulator.chargesFor(id).size(), "the retry adopted the charge instead of making another");
        create(ACME_KEY, key, body).then().statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(id));
    }

    @Test
    void anUnknownOutcomeWithNoChargeIsChargedOnRetry() {
        String key = newKey();
        Map<String, Object> body = visa();
        simulator.fault("error_before", 2, "/v1/charges", 0);
        String id = create(ACME_KEY, key, body).then().statusCode(503).extract().path("payment_id");
        assertEquals(0, simulator.chargesFor(id).size());
        create(ACME_KEY, key, body).then().statusCode(201).body("id", equalTo(id));
        assertEquals(1, simulator.chargesFor(id).size());
    }

    @Test
    void aTimeoutAfterChargingEndsIn503AndTheRecoveryJobFinishesIt() throws Exception {
        String key = newKey();
        Map<String, Object> body = visa();
        // the processor charges but answers past the client's 2s timeout, and the retry fails
        simulator.fault("hang_after_charge", 1, "/v1/charges", 5_000);
        simulator.fault("error_before");
        String id = create(ACME_KEY, key, body).then().statusCode(503).extract().path("payment_id");
        // nobody retries: the recovery job finds the charge by reference and records it
        Await.until(() -> "succeeded".equals(stored(id).get("status")), Duration.ofSeconds(20));
        assertEquals("succeeded", stored(id).get("status"));
        assertEquals(1, simulator.chargesFor(id).size());
        assertEquals(201, TestDatabase.keyRow(ACME, key).orElseThrow().get("response_status"),
                "the key has its answer, so a late retry replays it");
        create(ACME_KEY, key, body).then().statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(id));
    }

    @Test
    void aDuplicateWhileTheOriginalIsAtTheProcessorWaitsAndReplaysItsOutcome() throws Exception {
        String key = newKey();
        Map<String, Object> body = visa();
        simulator.latency(1_000);
        CompletableFuture<Response> original = CompletableFuture.supplyAsync(() -> create(ACME_KEY, key, body));
        awaitProcessing(key);
        Response duplicate = create(ACME_KEY, key, body);
        Response first = original.get(30, TimeUnit.SECONDS);
        first.then().statusCode(201).header("Idempotent-Replayed", nullValue());
        duplicate.then().statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(first.path("id")));
        assertEquals(1, simulator.chargesFor(first.path("id")).size());
    }

    @Test
    void aDuplicateGivesUpWith409WhileAnotherAttemptHoldsThePayment() {
        String key = newKey();
        Map<String, Object> body = visa();
        simulator.fault("error_before", 2, "/v1/charges", 0);
        String id = create(ACME_KEY, key, body).then().statusCode(503).extract().path("payment_id");
        // as if another instance had just taken the payment over and were still at the processor
        TestDatabase.update("UPDATE payments SET attempt_until = now() + interval '7 seconds' WHERE id = ?::uuid", id);
        long started = System.nanoTime();
        create(ACME_KEY, key, body).then().statusCode(409).contentType(PROBLEM).header("Retry-After", notNullValue())
                .body("type", endsWith("/idempotency-key-in-use"));
        // it waited for the outcome first, until the wait had to end to answer within the 5 s deadline
        // (less the 300 ms kept for answering, a pooled connection and a write: 3.45 s)
        long waited = System.nanoTime() - started;
        assertTrue(waited >= TimeUnit.MILLISECONDS.toNanos(3400), "it waited for the outcome first");
        assertTrue(waited < TimeUnit.SECONDS.toNanos(5), "and answered within the request deadline");
        // once that attempt's lease passes, a retry (or the recovery job) finishes the payment
        createAsClient(ACME_KEY, key, body).then().statusCode(201).body("id", equalTo(id));
        assertEquals(1, simulator.chargesFor(id).size());
    }

    @Test
    void aChargeTheProcessorRefusesEndsThePaymentFailedAndItsProblemIsReplayed() {
        String key = newKey();
        Map<String, Object> body = visa();
        simulator.fault("refuse");
        Response refused = create(ACME_KEY, key, body);
        refused.then().statusCode(402).contentType(PROBLEM).body("type", endsWith("/payment-failed"))
                .body("failure_code", equalTo("payment_method_invalid"))
                .body("detail", containsString("Nothing was charged"));
        String id = refused.path("payment_id");
        assertEquals("failed", stored(id).get("status"));
        assertTrue(simulator.chargesFor(id).isEmpty());
        // final: the same key replays the problem (and charges nothing), the payment reads failed
        create(ACME_KEY, key, body).then().statusCode(402).header("Idempotent-Replayed", "true")
                .body("payment_id", equalTo(id)).body("failure_code", equalTo("payment_method_invalid"));
        as(ACME_KEY).get("/payments/" + id).then().statusCode(200).body("status", equalTo("failed"))
                .body("failure_code", equalTo("payment_method_invalid"));
        assertEquals(1L, TestDatabase.number(
                "SELECT count(*) FROM events WHERE object_id = ?::uuid AND type = 'payment.failed'", id));
        assertTrue(simulator.chargesFor(id).isEmpty());
    }

    @Test
    void aRejectedApiKeyLeavesNothingFinalAndTakesTheInstanceOutOfServiceUntilTheKeyIsAccepted() {
        String key = newKey();
        Map<String, Object> body = visa();
        simulator.acceptOnly("sk_sim_rotated");
        try {
            Response rejected = create(ACME_KEY, key, body);
            rejected.then().statusCode(503).contentType(PROBLEM).header("Retry-After", notNullValue())
                    .body("type", endsWith("/payment-processing"));
            String id = rejected.path("payment_id");
            assertEquals("processing", stored(id).get("status"), "nothing final is stored");
            given().get(management() + "/q/health/ready").then().statusCode(503)
                    .body("checks.find { it.name == 'processor-accepts-our-calls' }.status", equalTo("DOWN"));
        } finally {
            simulator.acceptOnly(Simulator.API_KEY);
        }
        // the check asks the processor again, and the instance is ready once the key is accepted
        given().get(management() + "/q/health/ready").then().statusCode(200);
        createAsClient(ACME_KEY, key, body).then().statusCode(201).body("status", equalTo("succeeded"));
    }

    private static void awaitProcessing(String key) throws InterruptedException {
        assertTrue(Await.until(() -> TestDatabase.number(
                "SELECT count(*) FROM payments WHERE idempotency_key = ? AND status = 'processing'", key) > 0,
                Duration.ofSeconds(10)), "the original never reached the processor");
    }

    private static Map<String, Object> stored(String id) {
        return TestDatabase.rows(
                "SELECT status, decline_code, failure_code, processor_charge_id FROM payments WHERE id = ?::uuid", id)
                .get(0);
    }
}
