package dev.payments.http;

import static dev.payments.testsupport.Api.*;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;
import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.TestEnvironment;
import dev.payments.testsupport.RawHttp;
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
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
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
    void textPostgresCannotStoreIs400NamingTheFieldAndStoresNothing() {
        String base = "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\"";
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put(base + ",\"description\":\"a\\u0000b\"}", "description");
        cases.put(base + ",\"description\":\"a\\ud800b\"}", "description");
        cases.put(base + ",\"description\":\"\\udc00\"}", "description");
        cases.put(base + ",\"description\":\"\\ude00\\ud83d\"}", "description");
        cases.put(base + ",\"metadata\":{\"k\":\"v\\u0000\"}}", "metadata.k");
        cases.put(base + ",\"metadata\":{\"k\":\"\\udbff\"}}", "metadata.k");
        cases.put(base + ",\"metadata\":{\"k\\u0000\":\"v\"}}", "metadata");
        cases.put(base + ",\"metadata\":{\"\\ud800\":\"v\"}}", "metadata");
        cases.forEach((json, field) -> {
            String key = newKey();
            Response response = as(ACME_KEY).header("Idempotency-Key", key).contentType(ContentType.JSON).body(json)
                    .post("/payments");
            assertCleanProblem(response, 400);
            response.then().body("errors.field", hasItem(field));
            assertEquals(0, TestDatabase.keyRows(ACME, key), json);
        });
        // a pair of surrogates is one character, and fine
        create(ACME_KEY, newKey(), Map.of("amount", 1, "currency", "EUR", "payment_method", "pm_card_visa",
                "description", "ok \uD83D\uDE00")).then().statusCode(201).body("description", equalTo("ok \uD83D\uDE00"));
    }

    @Test
    void nulAndSurrogatesInAnyByteSpellingAre400() {
        String before = "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\",\"description\":\"a";
        byte[][] spellings = {
                {0x00},                              // a raw NUL byte
                {(byte) 0xC0, (byte) 0x80},          // NUL as overlong UTF-8 ("modified UTF-8")
                {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, // a lone surrogate encoded as UTF-8 (CESU-8)
                {(byte) 0xED, (byte) 0xBF, (byte) 0xBF},
                {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // beyond U+10FFFF
                {(byte) 0xFF}, {(byte) 0x80}};
        for (byte[] spelling : spellings) {
            java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
            body.writeBytes(before.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            body.writeBytes(spelling);
            body.writeBytes("b\"}".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            String key = newKey();
            var answer = RawHttp.send("POST /payments HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer " + ACME_KEY
                    + "\r\nIdempotency-Key: " + key + "\r\nContent-Type: application/json\r\nContent-Length: " + body.size(),
                    body.toByteArray());
            assertEquals(400, answer.status(), java.util.HexFormat.of().formatHex(spelling) + ": " + answer.body());
            assertTrue(answer.body().contains("\"status\":400"), answer.body());
            assertEquals(0, TestDatabase.keyRows(ACME, key));
        }
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

    /**
     * Java's own HTTP client (and the OpenAPI client generated on it) asks plain-http servers to
     * upgrade to HTTP/2. The service speaks HTTP/1.1 only (BodyReader reads a body before the REST
     * layer, which cannot take an HTTP/2 request read ahead): the upgrade is declined, and the
     * request is answered as any other.
     */
    @Test
    void aClientAskingForHttp2IsAnsweredInHttp11() throws Exception {
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_2).build();
        java.net.http.HttpResponse<String> created = client.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(io.restassured.RestAssured.baseURI + ":" + io.restassured.RestAssured.port + "/payments"))
                .header("Authorization", "Bearer " + ACME_KEY).header("Idempotency-Key", newKey())
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"amount\":2500,\"currency\":\"EUR\",\"payment_method\":\"pm_card_visa\"}"))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        assertEquals(201, created.statusCode(), created.body());
        assertEquals(java.net.http.HttpClient.Version.HTTP_1_1, created.version());
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

    @Test
    void allowNamesTheMethodsTheRouteHas() {
        as(ACME_KEY).put("/webhook_endpoints").then().statusCode(405).header("Allow", equalTo("GET, POST"));
        as(ACME_KEY).get("/payments/" + java.util.UUID.randomUUID() + "/capture").then().statusCode(405)
                .header("Allow", equalTo("POST"));
        as(ACME_KEY).delete("/payments/").then().statusCode(405).header("Allow", equalTo("GET, POST"));
        as(ACME_KEY).post("/refunds/" + java.util.UUID.randomUUID()).then().statusCode(405)
                .header("Allow", equalTo("GET"));
        as(ACME_KEY).put("/payments/" + java.util.UUID.randomUUID() + "/refunds").then().statusCode(405)
                .header("Allow", equalTo("GET, POST"));
    }
}
