package dev.payments.payment;

import static dev.payments.testsupport.Api.ACME;
import static dev.payments.testsupport.Api.ACME_KEY;
import static dev.payments.testsupport.Api.as;
import static dev.payments.testsupport.Api.create;
import static dev.payments.testsupport.Api.newKey;
import static dev.payments.testsupport.Api.visa;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.payments.testsupport.Api;
import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestDatabase.HeldKey;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** One test per path through the idempotency flow, end to end over HTTP (a to i below). */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class IdempotencyTest {

    private static final String PROBLEM = "application/problem+json";

    // a. the key header itself

    @Test
    void rejectsMissingKey() {
        as(ACME_KEY).contentType(ContentType.JSON).body(visa()).post("/payments")
                .then().statusCode(400).contentType(PROBLEM)
                .body("errors.field", hasItem("Idempotency-Key"));
    }

    @Test
    void rejectsEmptyTooLongAndNonAsciiKeys() {
        for (String bad : new String[] {"", "\"\"", "x".repeat(256), "has space", "tab\there", "caf\u00e9"}) {
            Map<String, Object> body = visa();
            create(ACME_KEY, bad, body).then().statusCode(400).contentType(PROBLEM)
                    .body("errors.field", hasItem("Idempotency-Key"));
            assertEquals(0, TestDatabase.paymentsDescribed((String) body.get("description")), "key " + bad);
        }
    }

    @Test
    void acceptsLongestVisibleAsciiKey() {
        String key = ("!~" + newKey()).concat("k".repeat(255)).substring(0, 255);
        create(ACME_KEY, key, visa()).then().statusCode(201);
    }

    @Test
    void quotedKeyIsTheSameKey() {
        String key = newKey();
        Map<String, Object> body = visa();
        String id = create(ACME_KEY, key, body).then().statusCode(201).extract().path("id");
        create(ACME_KEY, "\"" + key + "\"", body).then().statusCode(201)
                .header("Idempotent-Replayed", "true")
                .body("id", equalTo(id));
    }

    // b. the key is claimed with the payment (phase 1) and holds its answer once the outcome is recorded (phase 3)

    @Test
    void storesKeyWithPaymentAndResponse() {
        String key = newKey();
        Response created = create(ACME_KEY, key, visa());
        created.then().statusCode(201);
        Map<String, Object> row = TestDatabase.keyRow(ACME, key).orElseThrow();
        assertEquals(created.path("id"), row.get("payment_id"));
        assertEquals(201, ((Number) row.get("response_status")).intValue());
        assertEquals(created.asString(), row.get("response_body"));
        assertEquals(64, ((String) row.get("request_fingerprint")).length());
    }

    // c. same key, same request: the stored answer, exactly

    @Test
    void replaysOriginalPaymentForSameKeyAndBody() {
        String key = newKey();
        Map<String, Object> body = visa();
        Response first = create(ACME_KEY, key, body);
        first.then().statusCode(201).contentType(ContentType.JSON)
                .header("Location", "/payments/" + first.path("id"))
                .header("Idempotent-Replayed", nullValue());

        Response again = create(ACME_KEY, key, body);
        again.then().statusCode(201).contentType(ContentType.JSON)
                .header("Idempotent-Replayed", "true")
                .header("Location", first.header("Location"));
        assertEquals(first.asString(), again.asString());
        assertEquals(1, TestDatabase.paymentsDescribed((String) body.get("description")));
        assertEquals(1, TestDatabase.keyRows(ACME, key));
    }

    @Test
    void sameJsonWithOtherWhitespaceAndKeyOrderIsTheSameRequest() {
        String key = newKey();
        String description = "reordered " + key;
        String compact = "{\"amount\":1200,\"currency\":\"usd\",\"payment_method\":\"pm_card_mastercard\","
                + "\"description\":\"" + description + "\",\"metadata\":{\"a\":\"1\",\"b\":\"2\"}}";
        String reordered = "{\n  \"metadata\": { \"b\": \"2\", \"a\": \"1\" },\n  \"description\": \"" + description
                + "\",\n  \"payment_method\": \"pm_card_mastercard\", \"currency\" : \"usd\", \"amount\": 1200\n}\n";
        String id = as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.JSON).body(compact)
                .post("/payments").then().statusCode(201).extract().path("id");
        as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.JSON).body(reordered)
                .post("/payments").then().statusCode(201)
                .header("Idempotent-Replayed", "true")
                .body("id", equalTo(id));
        assertEquals(1, TestDatabase.paymentsDescribed(description));
    }

    // d. same key, different request

    @Test
    void rejectsSameKeyWithDifferentBody() {
        String key = newKey();
        Map<String, Object> body = visa();
        Response first = create(ACME_KEY, key, body);
        first.then().statusCode(201);
        Map<String, Object> storedBefore = TestDatabase.keyRow(ACME, key).orElseThrow();

        Map<String, Object> changed = new java.util.HashMap<>(body);
        changed.put("amount", 2600);
        create(ACME_KEY, key, changed).then().statusCode(422).contentType(PROBLEM)
                .body("type", equalTo("https://payments.example/problems/idempotency-key-reused"))
                .body("status", equalTo(422))
                .body("detail", notNullValue());

        assertEquals(storedBefore, TestDatabase.keyRow(ACME, key).orElseThrow());
        assertEquals(1, TestDatabase.paymentsDescribed((String) body.get("description")));
        as(ACME_KEY).get("/payments/" + first.path("id")).then().statusCode(200).body("amount", equalTo(2500));
        // and the original request still replays
        create(ACME_KEY, key, body).then().statusCode(201).body("id", equalTo(first.path("id")));
    }

    // d2. "the same request" across releases and spellings

    @Test
    void aKeyStoredByThePreviousReleaseReplaysForTheSameRequest() {
        // a payment and its key row exactly as the release before fingerprint scheme 2 wrote them:
        // that release's fingerprint, and no fingerprint_scheme (the column's default says 1)
        String key = newKey();
        String paymentId = java.util.UUID.randomUUID().toString();
        String stored = "{\"id\":\"" + paymentId + "\",\"amount\":2500,\"currency\":\"EUR\",\"status\":\"succeeded\","
                + "\"payment_method\":\"pm_card_visa\",\"description\":\"Order 1001\","
                + "\"metadata\":{\"channel\":\"web\",\"order_id\":\"1001\"},\"created_at\":\"2026-11-30T10:00:00Z\"}";
        // (amount_captured as the lifecycle's migration left the payments of that release)
        TestDatabase.update("INSERT INTO payments (id, merchant_id, amount, currency, status, payment_method, description, "
                + "metadata, created_at, amount_captured) VALUES (?::uuid, 'acme', 2500, 'EUR', 'succeeded', 'pm_card_visa', "
                + "'Order 1001', '{\"channel\": \"web\", \"order_id\": \"1001\"}', now(), 2500)", paymentId);
        TestDatabase.update("INSERT INTO idempotency_keys (merchant_id, idempotency_key, request_fingerprint, payment_id, "
                + "response_status, response_body) VALUES ('acme', ?, ?, ?::uuid, 201, ?)",
                key, dev.payments.idempotency.RequestFingerprintTest.V1_FULL, paymentId, stored);

        String sameRequest = "{\"amount\":2500,\"currency\":\"eur\",\"payment_method\":\"pm_card_visa\","
                + "\"description\":\"Order 1001\",\"metadata\":{\"order_id\":\"1001\",\"channel\":\"web\"}}";
        Response replay = as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.JSON).body(sameRequest)
                .post("/payments");
        replay.then().statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(paymentId));
        assertEquals(stored, replay.asString());
        as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.JSON)
                .body(sameRequest.replace("2500", "2600")).post("/payments").then().statusCode(422);
        assertEquals(1, TestDatabase.number("SELECT count(*) FROM payments WHERE id = ?::uuid", paymentId));
    }

    @Test
    void currencyCaseAndAnAbsentOrNullFieldAreTheSameRequest() {
        String key = newKey();
        String tag = "case " + java.util.UUID.randomUUID();
        String first = "{\"amount\":700,\"currency\":\"eur\",\"payment_method\":\"pm_card_visa\",\"description\":\"" + tag + "\"}";
        String id = as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.JSON).body(first).post("/payments")
                .then().statusCode(201).extract().path("id");
        String again = "{\"metadata\":null,\"description\":\"" + tag + "\",\"payment_method\":\"pm_card_visa\","
                + "\"currency\":\"EUR\",\"amount\":700}";
        as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.JSON).body(again).post("/payments")
                .then().statusCode(201).header("Idempotent-Replayed", "true").body("id", equalTo(id));
        assertEquals(1, TestDatabase.paymentsDescribed(tag));
        assertEquals(2L, TestDatabase.number("SELECT fingerprint_scheme FROM idempotency_keys WHERE merchant_id = 'acme' "
                + "AND idempotency_key = ?", key));
    }

    // e. a concurrent holder of the key: wait, then replay, go on, or give up with 409

    @Test
    void createsPaymentWhenConcurrentHolderRollsBack() throws Exception {
        String key = newKey();
        Map<String, Object> body = visa();
        CompletableFuture<Response> waiting;
        try (HeldKey held = TestDatabase.hold(ACME, key)) {
            waiting = CompletableFuture.supplyAsync(() -> create(ACME_KEY, key, body));
            assertTrue(TestDatabase.awaitLockWaiter(Duration.ofSeconds(5)), "the request should wait on the held key");
        }
        Response response = waiting.get(30, TimeUnit.SECONDS);
        response.then().statusCode(201).header("Idempotent-Replayed", nullValue());
        assertEquals(1, TestDatabase.paymentsDescribed((String) body.get("description")));
        assertEquals(response.path("id"), TestDatabase.keyRow(ACME, key).orElseThrow().get("payment_id"));
    }

    @Test
    void answers409WithRetryAfterWhenKeyIsHeldPastLockTimeout() throws Exception {
        String key = newKey();
        Map<String, Object> body = visa();
        try (HeldKey held = TestDatabase.hold(ACME, key)) {
            CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(() -> create(ACME_KEY, key, body));
            Response response = waiting.get(30, TimeUnit.SECONDS);
            response.then().statusCode(409).contentType(PROBLEM)
                    .header("Retry-After", notNullValue())
                    .body("type", equalTo("https://payments.example/problems/idempotency-key-in-use"));
        }
        assertEquals(0, TestDatabase.paymentsDescribed((String) body.get("description")));
        // the key was never consumed: once free, the same request creates the payment
        create(ACME_KEY, key, body).then().statusCode(201).header("Idempotent-Replayed", nullValue());
    }

    // g. requests rejected before processing do not use up the key

    @Test
    void rejectedRequestsDoNotConsumeTheKey() {
        String key = newKey();
        Map<String, Object> body = visa();
        Map<String, Object> invalid = new java.util.HashMap<>(body);
        invalid.put("amount", 0);
        create(ACME_KEY, key, invalid).then().statusCode(400);
        Api.as("sk_test_wrong").header("Idempotency-Key", key).contentType(ContentType.JSON).body(body)
                .post("/payments").then().statusCode(401);
        as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.JSON)
                .body("{\"description\":\"" + "x".repeat(17 * 1024) + "\"}")
                .post("/payments").then().statusCode(413);
        as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.TEXT).body("amount=2500")
                .post("/payments").then().statusCode(415);
        as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.JSON).body("{\"amount\": ")
                .post("/payments").then().statusCode(400);
        assertEquals(0, TestDatabase.keyRows(ACME, key));

        create(ACME_KEY, key, body).then().statusCode(201).header("Idempotent-Replayed", nullValue());
    }

    // h. a decline is an answer like any other: stored, replayed, never charged twice

    @Test
    void replaysDeclineWithoutChargingAgain() {
        String key = newKey();
        Map<String, Object> body = Api.payment("pm_card_insufficient_funds");
        Response declined = create(ACME_KEY, key, body);
        declined.then().statusCode(402).contentType(PROBLEM)
                .body("decline_code", equalTo("insufficient_funds"))
                .body("payment_id", notNullValue());
        as(ACME_KEY).get("/payments/" + declined.path("payment_id")).then().statusCode(200)
                .body("status", equalTo("declined"))
                .body("decline_code", equalTo("insufficient_funds"));

        Response replay = create(ACME_KEY, key, body);
        replay.then().statusCode(402).contentType(PROBLEM).header("Idempotent-Replayed", "true");
        assertEquals(declined.asString(), replay.asString());
        assertEquals(1, TestDatabase.paymentsDescribed((String) body.get("description")));
    }

    @Test
    void declinedCardGivesCardDeclinedCode() {
        create(ACME_KEY, newKey(), Api.payment("pm_card_declined")).then().statusCode(402)
                .body("decline_code", equalTo("card_declined"))
                .body("type", equalTo("https://payments.example/problems/card-declined"));
    }

    // i. keys expire; payments stay

    @Test
    void expiredKeyCanBeUsedForANewPayment() {
        String key = newKey();
        Map<String, Object> body = visa();
        String first = create(ACME_KEY, key, body).then().statusCode(201).extract().path("id");
        TestDatabase.age(ACME, key, Duration.ofHours(25));

        Response second = create(ACME_KEY, key, body);
        second.then().statusCode(201).header("Idempotent-Replayed", nullValue()).body("id", not(equalTo(first)));
        assertEquals(2, TestDatabase.paymentsDescribed((String) body.get("description")));
        as(ACME_KEY).get("/payments/" + first).then().statusCode(200);
        // and the new payment owns the key now
        create(ACME_KEY, key, body).then().statusCode(201).header("Idempotent-Replayed", "true")
                .body("id", equalTo(second.path("id")));
    }

    @Test
    void cleanupJobDeletesExpiredKeysButNeverPayments() throws InterruptedException {
        String expired = newKey();
        String fresh = newKey();
        String expiredPayment = create(ACME_KEY, expired, visa()).then().statusCode(201).extract().path("id");
        create(ACME_KEY, fresh, visa()).then().statusCode(201);
        TestDatabase.age(ACME, expired, Duration.ofHours(25));

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (TestDatabase.keyRows(ACME, expired) > 0 && System.nanoTime() < deadline) {
            Thread.sleep(200);
        }
        assertEquals(0, TestDatabase.keyRows(ACME, expired), "the job should delete the expired key");
        assertEquals(1, TestDatabase.keyRows(ACME, fresh), "the job must keep live keys");
        as(ACME_KEY).get("/payments/" + expiredPayment).then().statusCode(200);
        assertFalse(TestDatabase.keyRow(ACME, fresh).isEmpty());
        assertNotEquals(0, TestDatabase.number("SELECT count(*) FROM payments WHERE id = ?::uuid", expiredPayment));
    }
}
