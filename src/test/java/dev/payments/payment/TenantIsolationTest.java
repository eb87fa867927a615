package dev.payments.payment;

import static dev.payments.testsupport.Api.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Keys, payments and stored answers belong to one merchant: no merchant reads, replays or uses up another's. */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class TenantIsolationTest {

    @Test
    void sameKeyFromTwoMerchantsMakesTwoPayments() {
        String key = newKey();
        Map<String, Object> body = visa();
        String acmePayment = create(ACME_KEY, key, body).then().statusCode(201)
                .header("Idempotent-Replayed", nullValue()).extract().path("id");
        String globexPayment = create(GLOBEX_KEY, key, body).then().statusCode(201)
                .header("Idempotent-Replayed", nullValue()).extract().path("id");
        assertNotEquals(acmePayment, globexPayment);
        assertEquals(2, TestDatabase.paymentsDescribed((String) body.get("description")));
        assertEquals(1, TestDatabase.keyRows(ACME, key));
        assertEquals(1, TestDatabase.keyRows(GLOBEX, key));
    }

    @Test
    void keyUsedByAnotherMerchantIsNotAConflict() {
        String key = newKey();
        create(ACME_KEY, key, visa()).then().statusCode(201);
        Map<String, Object> other = visa();
        other.put("amount", 999);
        create(GLOBEX_KEY, key, other).then().statusCode(201).header("Idempotent-Replayed", nullValue())
                .body("amount", equalTo(999));
    }

    @Test
    void merchantCannotReadAnotherMerchantsPayment() {
        String id = create(ACME_KEY, newKey(), visa()).then().statusCode(201).extract().path("id");
        as(GLOBEX_KEY).get("/payments/" + id).then().statusCode(404).contentType("application/problem+json");
        as(GLOBEX_KEY).get("/payments").then().statusCode(200).body("data.id", not(hasItem(id)));
        as(GLOBEX_KEY).queryParam("starting_after", id).get("/payments").then().statusCode(400);
        as(ACME_KEY).get("/payments/" + id).then().statusCode(200);
    }
}
