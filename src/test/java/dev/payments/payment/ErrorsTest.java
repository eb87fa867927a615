package dev.payments.payment;

import static dev.payments.testsupport.Api.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.PostgresResource;
import dev.payments.testsupport.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every client mistake is an RFC 9457 problem with a 4xx status: never a 500, never internals. */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class ErrorsTest {

    private static final String PROBLEM = "application/problem+json";

    private static Response post(String rawBody) {
        return as(ACME_KEY).header("Idempotency-Key", newKey()).contentType(ContentType.JSON).body(rawBody).post("/payments");
    }

    private static void assertCleanProblem(Response response, int status) {
        response.then().statusCode(status).contentType(PROBLEM)
                .body("type", startsWith("https://"))
                .body("title", notNullValue())
                .body("status", equalTo(status))
                .body("detail", notNullValue());
        String text = response.asString();
        for (String leak : new String[] {"Exception", "at dev.", "java.", "com.fasterxml", "SELECT", "INSERT", "org."}) {
            assertFalse(text.contains(leak), "leaks " + leak + ": " + text);
        }
    }

    @Test
    void malformedJsonIs400() {
        for (String bad : new String[] {"{", "{\"amount\": }", "nope", "{\"amount\":1}}", "[1, 2]", "\"text\"",
                "{\"amount\":1,\"amount\":2,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\"}"}) {
            assertCleanProblem(post(bad), 400);
        }
    }

    @Test
    void emptyBodyIs400() {
        assertCleanProblem(post(""), 400);
    }

    @Test
    void wrongJsonTypesAre400NamingTheField() {
        Map<String, Object> cases = Map.of(
                "amount", "2500",
                "currency", 978,
                "payment_method", true,
                "description", 12,
                "metadata", "x");
        cases.forEach((field, value) -> {
            Map<String, Object> body = visa();
            body.put(field, value);
            Response response = create(ACME_KEY, newKey(), body);
            assertCleanProblem(response, 400);
            response.then().body("errors.field", hasItem(field));
        });
        Map<String, Object> fractional = visa();
        fractional.put("amount", 25.5);
        create(ACME_KEY, newKey(), fractional).then().statusCode(400).body("errors.field", hasItem("amount"));
        Map<String, Object> metadataNumber = visa();
        metadataNumber.put("metadata", Map.of("n", 1));
        create(ACME_KEY, newKey(), metadataNumber).then().statusCode(400).body("errors.field", hasItem("metadata.n"));
    }

    @Test
    void unknownFieldsAre400() {
        Map<String, Object> body = visa();
        body.put("amount_cents", 1);
        Response response = create(ACME_KEY, newKey(), body);
        assertCleanProblem(response, 400);
        response.then().body("errors.field", hasItem("amount_cents"));
    }

    @Test
    void missingAndOutOfRangeFieldsAre400WithEveryField() {
        Response response = post("{}");
        assertCleanProblem(response, 400);
        response.then().body("errors.field", hasItems("amount", "currency", "payment_method"));

        Map<String, Object> body = new HashMap<>();
        body.put("amount", 100_000_000);
        body.put("currency", "EURO");
        body.put("payment_method", "pm_card_amex");
        body.put("description", "x".repeat(501));
        response = create(ACME_KEY, newKey(), body);
        assertCleanProblem(response, 400);
        response.then().body("errors.field", hasItems("amount", "currency", "payment_method", "description"));

        body = visa();
        body.put("amount", 0);
        create(ACME_KEY, newKey(), body).then().statusCode(400).body("errors.field", hasItem("amount"));
        body.put("amount", 99_999_999);
        create(ACME_KEY, newKey(), body).then().statusCode(201);
    }

    @Test
    void metadataLimitsAre400() {
        Map<String, Object> tooMany = visa();
        Map<String, String> entries = new HashMap<>();
        for (int i = 0; i < 21; i++) {
            entries.put("k" + i, "v");
        }
        tooMany.put("metadata", entries);
        create(ACME_KEY, newKey(), tooMany).then().statusCode(400).body("errors.field", hasItem("metadata"));

        Map<String, Object> longKey = visa();
        longKey.put("metadata", Map.of("k".repeat(41), "v"));
        create(ACME_KEY, newKey(), longKey).then().statusCode(400).body("errors.field", hasItem(startsWith("metadata")));

        Map<String, Object> longValue = visa();
        longValue.put("metadata", Map.of("k", "v".repeat(501)));
        create(ACME_KEY, newKey(), longValue).then().statusCode(400).body("errors.field", hasItem("metadata.k"));

        Map<String, Object> atLimits = visa();
        entries.remove("k0");
        entries.remove("k1");
        entries.put("k".repeat(40), "v".repeat(500));
        atLimits.put("metadata", entries);
        create(ACME_KEY, newKey(), atLimits).then().statusCode(201).body("metadata.size()", equalTo(20));
    }

    @Test
    void lowerCaseCurrencyIsStoredUpperCase() {
        Map<String, Object> body = visa();
        body.put("currency", "usd");
        create(ACME_KEY, newKey(), body).then().statusCode(201).body("currency", equalTo("USD"));
    }

    @Test
    void bodyOver16KiBIs413() {
        String big = "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\",\"description\":\""
                + "x".repeat(16 * 1024) + "\"}";
        assertCleanProblem(post(big), 413);
    }

    @Test
    void nonJsonContentTypeIs415() {
        assertCleanProblem(as(ACME_KEY).header("Idempotency-Key", newKey()).contentType(ContentType.XML)
                .body("<payment/>").post("/payments"), 415);
        assertCleanProblem(as(ACME_KEY).header("Idempotency-Key", newKey()).contentType(ContentType.URLENC)
                .body("amount=1").post("/payments"), 415);
    }

    @Test
    void unknownRouteIs404() {
        assertCleanProblem(given().get("/nothing-here"), 404);
        assertCleanProblem(as(ACME_KEY).get("/payments/a/b"), 404);
    }

    @Test
    void wrongMethodIs405WithAllow() {
        Response response = as(ACME_KEY).delete("/payments");
        assertCleanProblem(response, 405);
        response.then().header("Allow", containsString("POST"));
        assertCleanProblem(as(ACME_KEY).contentType(ContentType.JSON).body("{}").put("/payments/" + java.util.UUID.randomUUID()), 405);
    }
}
