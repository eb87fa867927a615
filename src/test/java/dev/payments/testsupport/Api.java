package dev.payments.testsupport;

import static io.restassured.RestAssured.given;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

/** The demo merchants and request helpers shared by the tests. */
public final class Api {

    public static final String ACME = "acme";
    public static final String ACME_KEY = "sk_test_acme";
    public static final String GLOBEX = "globex";
    public static final String GLOBEX_KEY = "sk_test_globex";

    private Api() {
    }

    public static RequestSpecification as(String apiKey) {
        return given().header("Authorization", "Bearer " + apiKey);
    }

    /** A fresh idempotency key; every test makes its own, so tests never depend on each other. */
    public static String newKey() {
        return "test-" + UUID.randomUUID();
    }

    /**
     * A valid payment body, described with a fresh tag so the test can count its payments in the
     * database.
     */
    public static Map<String, Object> payment(String card) {
        Map<String, Object> body = new HashMap<>();
        body.put("amount", 2500);
        body.put("currency", "eur");
        body.put("payment_method", card);
        body.put("description", "test " + UUID.randomUUID());
        return body;
    }

    public static Map<String, Object> visa() {
        return payment("pm_card_visa");
    }

    public static Response create(String apiKey, String idempotencyKey, Object body) {
        return as(apiKey)
                .header("Idempotency-Key", idempotencyKey)
                .contentType(ContentType.JSON)
                .body(body)
                .when().post("/payments");
    }
}
