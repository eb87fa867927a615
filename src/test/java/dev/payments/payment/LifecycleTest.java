package dev.payments.payment;

import static dev.payments.testsupport.Api.*;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The payment lifecycle over HTTP against the processor simulator: authorize and capture (whole or
 * in part), cancel, refunds in parts; every POST idempotent by the same mechanism (replays with
 * Location, 422 for another request, 409 state errors stored and replayed, rejected requests
 * leaving the key unused); unknown outcomes finished by a retry or the recovery job; expired
 * authorizations canceled. Every test ends with the ledger and the database's sums checked.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class LifecycleTest {

    private static final String PROBLEM = "application/problem+json";
    private static final String PROBLEMS = "https://payments.example/problems/";

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

    private static String authorized() {
        return create(ACME_KEY, newKey(), authorization()).then().statusCode(201)
                .body("status", equalTo("requires_capture"))
                .body("capture_method", equalTo("manual"))
                .body("amount_capturable", equalTo(2500))
                .body("amount_captured", equalTo(0))
                .extract().path("id");
    }

    private static String captured() {
        return create(ACME_KEY, newKey(), visa()).then().statusCode(201)
                .body("amount_captured", equalTo(2500)).extract().path("id");
    }

    private static Response capture(String id, String key, Object body) {
        return post(ACME_KEY, key, "/payments/" + id + "/capture", body);
    }

    private static Response cancel(String id, String key, Object body) {
        return post(ACME_KEY, key, "/payments/" + id + "/cancel", body);
    }

    private static Response refund(String id, String key, Object body) {
        return post(ACME_KEY, key, "/payments/" + id + "/refunds", body);
    }

    @Test
    void anAuthorizationIsCapturedInPartAndTheRestReleased() {
        String id = authorized();
        assertEquals("requires_capture", simulator.chargesFor(id).get(0).get("status").asText());
        String key = newKey();
        String first = capture(id, key, Map.of("amount", 1500)).then().statusCode(200)
                .contentType("application/json")
                .header("Idempotent-Replayed", nullValue())
                .body("status", equalTo("succeeded"))
                .body("amount", equalTo(2500))
                .body("amount_captured", equalTo(1500))
                .body("amount_capturable", equalTo(0))
                .extract().asString();
        capture(id, key, Map.of("amount", 1500)).then().statusCode(200)
                .header("Idempotent-Replayed", "true");
        assertEquals(first, capture(id, key, Map.of("amount", 1500)).asString(), "the replay is the first answer");
        JsonNode charge = simulator.chargesFor(id).get(0);
        assertEquals(1500, charge.get("amount_captured").asLong());
        as(ACME_KEY).get("/payments/" + id).then().statusCode(200)
                .body("status", equalTo("succeeded")).body("amount_captured", equalTo(1500));
    }

    @Test
    void aCaptureWithoutABodyTakesTheWholeAuthorization() {
        String id = authorized();
        capture(id, newKey(), null).then().statusCode(200).body("amount_captured", equalTo(2500));
    }

    @Test
    void aCancelReleasesTheAuthorization() {
        String id = authorized();
        String key = newKey();
        cancel(id, key, Map.of("cancellation_reason", "requested_by_customer")).then().statusCode(200)
                .body("status", equalTo("canceled"))
                .body("amount_capturable", equalTo(0))
                .body("amount_captured", equalTo(0))
                .body("cancellation_reason", equalTo("requested_by_customer"))
                .body("canceled_at", notNullValue());
        cancel(id, key, Map.of("cancellation_reason", "requested_by_customer")).then().statusCode(200)
                .header("Idempotent-Replayed", "true").body("status", equalTo("canceled"));
        assertEquals("canceled", simulator.chargesFor(id).get(0).get("status").asText());
    }

    @Test
    void stateErrorsAreDistinct409sStoredAndReplayedForTheirKey() {
        String succeeded = captured();
        String key = newKey();
        capture(succeeded, key, null).then().statusCode(409).contentType(PROBLEM)
                .body("type", equalTo(PROBLEMS + "payment-not-capturable"))
                .body("detail", containsString("succeeded"))
                .body("payment_id", equalTo(succeeded));
        capture(succeeded, key, null).then().statusCode(409).header("Idempotent-Replayed", "true")
                .body("type", equalTo(PROBLEMS + "payment-not-capturable"));
        cancel(succeeded, newKey(), null).then().statusCode(409)
                .body("type", equalTo(PROBLEMS + "payment-not-cancelable"))
                .body("detail", containsString("captured 2500 EUR"));

        String authorized = authorized();
        refund(authorized, newKey(), null).then().statusCode(409)
                .body("type", equalTo(PROBLEMS + "payment-not-refundable"))
                .body("detail", containsString("requires_capture"));
        capture(authorized, newKey(), Map.of("amount", 2501)).then().statusCode(409)
                .body("type", equalTo(PROBLEMS + "capture-exceeds-authorized"))
                .body("detail", containsString("2500 authorized"));
        cancel(authorized, newKey(), null).then().statusCode(200);
        capture(authorized, newKey(), null).then().statusCode(409)
                .body("type", equalTo(PROBLEMS + "payment-not-capturable"))
                .body("detail", containsString("canceled"));
        assertEquals(0L, TestDatabase.number("SELECT amount_captured FROM payments WHERE id = ?::uuid", authorized));
    }

    @Test
    void refundsInPartsUpToWhatWasCaptured() {
        String id = captured();
        String firstKey = newKey();
        Response first = refund(id, firstKey, Map.of("amount", 1000, "reason", "requested_by_customer",
                "metadata", Map.of("return_id", "r-1")));
        first.then().statusCode(201).contentType("application/json")
                .header("Location", matchesPattern("/refunds/[0-9a-f-]{36}"))
                .body("payment_id", equalTo(id))
                .body("amount", equalTo(1000))
                .body("currency", equalTo("EUR"))
                .body("status", equalTo("succeeded"))
                .body("reason", equalTo("requested_by_customer"))
                .body("metadata.return_id", equalTo("r-1"))
                .body("created_at", notNullValue());
        String refundId = first.path("id");
        assertEquals("/refunds/" + refundId, first.header("Location"));
        refund(id, newKey(), Map.of("amount", 1000)).then().statusCode(201);
        refund(id, newKey(), Map.of("amount", 1000)).then().statusCode(409).contentType(PROBLEM)
                .body("type", equalTo(PROBLEMS + "refund-exceeds-remaining"))
                .body("detail", containsString("2500 captured, 2000 refunded, 0 in pending refunds, 500 remaining"));
        refund(id, newKey(), null).then().statusCode(201).body("amount", equalTo(500));
        refund(id, newKey(), null).then().statusCode(409)
                .body("type", equalTo(PROBLEMS + "refund-exceeds-remaining"));

        as(ACME_KEY).get("/payments/" + id).then().statusCode(200)
                .body("status", equalTo("succeeded"))
                .body("amount_captured", equalTo(2500))
                .body("amount_refunded", equalTo(2500));
        as(ACME_KEY).get("/refunds/" + refundId).then().statusCode(200)
                .body("id", equalTo(refundId)).body("amount", equalTo(1000));
        List<String> newestFirst = as(ACME_KEY).queryParam("limit", 2).get("/payments/" + id + "/refunds")
                .then().statusCode(200).body("has_more", equalTo(true)).extract().path("data.id");
        assertEquals(2, newestFirst.size());
        List<String> rest = as(ACME_KEY).queryParam("starting_after", newestFirst.get(1))
                .get("/payments/" + id + "/refunds").then().statusCode(200).body("has_more", equalTo(false))
                .extract().path("data.id");
        assertEquals(List.of(refundId), rest, "the first refund is the oldest, on the last page");
        assertEquals(2500, simulator.chargesFor(id).get(0).get("amount_refunded").asLong());
    }

    @Test
    void aRetriedRefundIsReplayedWithItsLocationAndRefundsOnce() {
        String id = captured();
        String key = newKey();
        Response first = refund(id, key, Map.of("amount", 700));
        first.then().statusCode(201);
        Response again = refund(id, key, Map.of("amount", 700));
        again.then().statusCode(201).header("Idempotent-Replayed", "true")
                .header("Location", equalTo(first.header("Location")));
        assertEquals(first.asString(), again.asString());
        assertEquals(1L, TestDatabase.number("SELECT count(*) FROM refunds WHERE payment_id = ?::uuid", id));
        assertEquals(700L, TestDatabase.number("SELECT amount_refunded FROM payments WHERE id = ?::uuid", id));
    }

    @Test
    void oneKeyForTwoPaymentsOrTwoBodiesIs422() {
        String one = captured();
        String other = captured();
        String key = newKey();
        refund(one, key, Map.of("amount", 100)).then().statusCode(201);
        refund(other, key, Map.of("amount", 100)).then().statusCode(422)
                .body("type", equalTo(PROBLEMS + "idempotency-key-reused"));
        refund(one, key, Map.of("amount", 200)).then().statusCode(422);
        capture(one, key, null).then().statusCode(422);
        assertEquals(0L, TestDatabase.number("SELECT amount_refunded FROM payments WHERE id = ?::uuid", other));
    }

    @Test
    void rejectedRequestsLeaveTheKeyUnused() {
        String id = captured();
        String key = newKey();
        refund(UUID.randomUUID().toString(), key, null).then().statusCode(404).contentType(PROBLEM);
        as(GLOBEX_KEY).header("Idempotency-Key", key).post("/payments/" + id + "/refunds").then().statusCode(404);
        refund(id, key, Map.of("amount", 0)).then().statusCode(400).body("errors[0].field", equalTo("amount"));
        refund(id, key, Map.of("reason", "bored")).then().statusCode(400);
        refund("not-a-payment", key, null).then().statusCode(404);
        as(ACME_KEY).post("/payments/" + id + "/refunds").then().statusCode(400);
        assertEquals(0L, TestDatabase.keyRows(ACME, key));
        refund(id, key, Map.of("amount", 100)).then().statusCode(201).header("Idempotent-Replayed", nullValue());
    }

    @Test
    void anotherMerchantsPaymentIsNotFoundForEveryOperation() {
        String id = authorized();
        for (String operation : List.of("capture", "cancel", "refunds")) {
            post(GLOBEX_KEY, newKey(), "/payments/" + id + "/" + operation, null).then().statusCode(404);
        }
        as(GLOBEX_KEY).get("/payments/" + id + "/refunds").then().statusCode(404);
        String refundId = refund(captured(), newKey(), null).then().statusCode(201).extract().path("id");
        as(GLOBEX_KEY).get("/refunds/" + refundId).then().statusCode(404);
        capture(id, newKey(), null).then().statusCode(200);
    }

    @Test
    void aRefundTheProcessorFailsIsFailedAndGivesItsAmountBack() {
        String id = captured();
        simulator.fault("refund_fails", 1, "/v1/refunds", 0);
        refund(id, newKey(), Map.of("amount", 2500)).then().statusCode(201).body("status", equalTo("failed"));
        as(ACME_KEY).get("/payments/" + id).then().body("amount_refunded", equalTo(0));
        refund(id, newKey(), Map.of("amount", 2500)).then().statusCode(201).body("status", equalTo("succeeded"));
    }

    @Test
    void aRefundWhoseOutcomeIsUnknownIsPendingUntilARetryFindsIt() {
        String id = captured();
        String key = newKey();
        // the processor refunds, and both the call and its one retry lose the answer
        simulator.fault("error_after", 2, "/v1/refunds", 0);
        Response unknown = refund(id, key, Map.of("amount", 900));
        unknown.then().statusCode(503).contentType(PROBLEM)
                .body("type", equalTo(PROBLEMS + "refund-pending"))
                .body("payment_id", equalTo(id))
                .header("Retry-After", notNullValue());
        Map<String, Object> pending = TestDatabase.rows("SELECT id::text AS id, status FROM refunds WHERE payment_id = ?::uuid", id).get(0);
        assertEquals("pending", pending.get("status"));
        as(ACME_KEY).get("/refunds/" + pending.get("id")).then().statusCode(200).body("status", equalTo("pending"));
        as(ACME_KEY).get("/payments/" + id).then().body("amount_refunded", equalTo(0));
        postAsClient(ACME_KEY, key, "/payments/" + id + "/refunds", Map.of("amount", 900)).then().statusCode(201)
                .header("Idempotent-Replayed", "true")
                .body("id", equalTo(pending.get("id"))).body("status", equalTo("succeeded"));
        assertEquals(900L, TestDatabase.number("SELECT amount_refunded FROM payments WHERE id = ?::uuid", id));
    }

    @Test
    void aCaptureWhoseOutcomeIsUnknownIsFinishedByTheRecoveryJob() throws InterruptedException {
        String id = authorized();
        simulator.fault("error_after", 2, "/v1/charges/" + simulator.chargesFor(id).get(0).get("id").asText() + "/capture", 0);
        capture(id, newKey(), null).then().statusCode(503).body("type", equalTo(PROBLEMS + "payment-processing"));
        assertEquals("capture", TestDatabase.rows("SELECT pending_action FROM payments WHERE id = ?::uuid", id)
                .get(0).get("pending_action"));
        ProcessorInvariants.check(simulator, Duration.ofSeconds(20));
        as(ACME_KEY).get("/payments/" + id).then().body("status", equalTo("succeeded")).body("amount_captured", equalTo(2500));
    }

    @Test
    void capturesCancelsAndRefundsAreCountedByOutcome() {
        String refunded = "payments_operations_total{operation=\"refund\",outcome=\"succeeded\"}";
        String refused = "payments_operations_total{operation=\"capture\",outcome=\"refused\"}";
        double refundsBefore = metric(refunded);
        double refusedBefore = metric(refused);
        String id = captured();
        refund(id, newKey(), Map.of("amount", 100)).then().statusCode(201);
        capture(id, newKey(), null).then().statusCode(409);
        assertEquals(refundsBefore + 1, metric(refunded));
        assertEquals(refusedBefore + 1, metric(refused));
    }

    @Test
    void anAuthorizationNeverCapturedIsCanceledAsAbandoned() throws InterruptedException {
        String id = authorized();
        TestDatabase.agePayment(id, Duration.ofDays(8));
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!"canceled".equals(TestDatabase.rows("SELECT status FROM payments WHERE id = ?::uuid", id).get(0).get("status"))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        as(ACME_KEY).get("/payments/" + id).then().statusCode(200)
                .body("status", equalTo("canceled"))
                .body("cancellation_reason", equalTo("abandoned"));
        assertEquals("canceled", simulator.chargesFor(id).get(0).get("status").asText());
    }
}
