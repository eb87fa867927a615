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
    /** A merchant with a rate limit of its own (TestEnvironment), registered by the test that needs it. */
    public static final String THROTTLED = "throttled";
    public static final String THROTTLED_KEY = "sk_test_throttled";
    public static final int THROTTLED_RATE = 2;

    private Api() {
    }

    /** The system property in which TestEnvironment leaves the management interface's port. */
    static final String MANAGEMENT_PORT = "test.management.port";

    /** The management interface (health, metrics) of the application under test: a port of its own. */
    public static String management() {
        return "http://localhost:" + System.getProperty(MANAGEMENT_PORT, "9001");
    }

    /** A counter's value in the Prometheus text of /q/metrics, or -1 if it is not there. */
    public static double metric(String name) {
        String metrics = given().get(management() + "/q/metrics").then().statusCode(200).extract().asString();
        return metrics.lines().filter(l -> l.startsWith(name + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElse(-1);
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

    /** A payment authorized only: capture_method manual. */
    public static Map<String, Object> authorization() {
        Map<String, Object> body = visa();
        body.put("capture_method", "manual");
        return body;
    }

    public static Response create(String apiKey, String idempotencyKey, Object body) {
        return post(apiKey, idempotencyKey, "/payments", body);
    }

    /** An idempotent POST of {@code body} as JSON (none if null) to {@code path}. */
    public static Response post(String apiKey, String idempotencyKey, String path, Object body) {
        RequestSpecification request = as(apiKey).header("Idempotency-Key", idempotencyKey);
        if (body != null) {
            request.contentType(ContentType.JSON).body(body);
        }
        return request.when().post(path);
    }

    /** Attempts a {@link #createAsClient} makes before giving up and returning the last answer. */
    private static final int CLIENT_ATTEMPTS = 10;

    /**
     * A create as the API asks clients to make it: a 503 or 409 (both say Retry-After) is retried
     * with the same key and body after the time the answer asks for. Concurrency tests use it, since
     * on a loaded machine a burst may find the pool still opening its connections, and a 503 then is
     * the service keeping its answer bound, not a failure of the promise they test.
     */
    public static Response createAsClient(String apiKey, String idempotencyKey, Object body) {
        return postAsClient(apiKey, idempotencyKey, "/payments", body);
    }

    /** Any idempotent POST as a client makes it: see {@link #createAsClient}. */
    public static Response postAsClient(String apiKey, String idempotencyKey, String path, Object body) {
        Response response = post(apiKey, idempotencyKey, path, body);
        for (int attempt = 1; attempt < CLIENT_ATTEMPTS && isRetryable(response); attempt++) {
            sleepSeconds(Integer.parseInt(response.header("Retry-After")));
            response = post(apiKey, idempotencyKey, path, body);
        }
        return response;
    }

    private static boolean isRetryable(Response response) {
        return (response.statusCode() == 503 || response.statusCode() == 409) && response.header("Retry-After") != null;
    }

    private static void sleepSeconds(int seconds) {
        try {
            Thread.sleep(seconds * 1000L);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
