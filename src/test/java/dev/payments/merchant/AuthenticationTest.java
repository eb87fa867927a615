package dev.payments.merchant;

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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class AuthenticationTest {

    /** A payment id that exists in no database: with a key, its spellings must answer 404 like the plain path. */
    private static final String NO_SUCH_ID = "00000000-0000-7000-8000-000000000000";

    /**
     * Every way of spelling the protected resources (the payments, one payment, one refund, a
     * payment's refunds, one event, the webhook endpoints) that we could think of, and that a proxy,
     * a router or a filter might read differently from RESTEasy: path parameters after ';',
     * percent-encodings of letters, slashes and dots, dot segments, repeated and trailing slashes,
     * case, query strings and fragments, control characters and broken escapes.
     */
    static final List<String> LIST_SPELLINGS = List.of(
            "/payments", "/payments/", "//payments", "/payments//", "///payments///",
            "/payments;x", "/payments;x=1", "/payments;", "/payments/;x", "/payments;jsessionid=abc/",
            "/%70ayments", "/payment%73", "/%70%61%79%6d%65%6e%74%73", "/payments%2F", "/%2Fpayments",
            "/./payments", "/x/../payments", "/payments/.", "/payments/./", "/%2e/payments", "/payments/%2e",
            "/a/b/../../payments", "/payments?limit=1", "/payments?", "/payments#fragment",
            "/PAYMENTS", "/Payments", "/payments%3Bx", "/payments%00", "/payments%20", "/payments%09",
            "/payments/..", "/payments/%2e%2e", "/;/payments", "/payments/..;/payments", "/payments/%",
            "/payments/%zz", "/payments\\", "/webhook_endpoints", "/%77ebhook_endpoints", "/webhook_endpoints;x",
            "/webhook_endpoints/", "/WEBHOOK_ENDPOINTS");
    static final List<String> ONE_SPELLINGS = List.of(
            "/payments/" + NO_SUCH_ID, "/payments/" + NO_SUCH_ID + "/", "/payments/" + NO_SUCH_ID + ";x",
            "/payments;x/" + NO_SUCH_ID, "/payments//" + NO_SUCH_ID, "/payments/./" + NO_SUCH_ID,
            "/payments/x/../" + NO_SUCH_ID, "/payments%2F" + NO_SUCH_ID, "/payments/" + NO_SUCH_ID.toUpperCase(),
            "/payments/%20", "/payments/" + NO_SUCH_ID + "%00", "/payments/a/b",
            "/refunds/" + NO_SUCH_ID, "/refunds/" + NO_SUCH_ID + ";x", "/%72efunds/" + NO_SUCH_ID, "/REFUNDS/" + NO_SUCH_ID,
            "/refunds//" + NO_SUCH_ID, "/payments/" + NO_SUCH_ID + "/refunds", "/payments/" + NO_SUCH_ID + "/refunds;x",
            "/payments/" + NO_SUCH_ID + "/%72efunds", "/payments/" + NO_SUCH_ID + "/./refunds",
            "/events/" + NO_SUCH_ID, "/%65vents/" + NO_SUCH_ID, "/events/" + NO_SUCH_ID + ";x", "/EVENTS/" + NO_SUCH_ID,
            "/webhook_endpoints/" + NO_SUCH_ID, "/webhook_endpoints/" + NO_SUCH_ID + ";x",
            "/%77ebhook_endpoints/" + NO_SUCH_ID, "/webhook_endpoints//" + NO_SUCH_ID,
            "/webhook_endpoints/" + NO_SUCH_ID + "/deliveries", "/webhook_endpoints/" + NO_SUCH_ID + "/%64eliveries");

    @Test
    void everySpellingOfAProtectedPathWithoutAKeyIs401Or404() {
        List<String> wrong = new ArrayList<>();
        for (String target : concat(LIST_SPELLINGS, ONE_SPELLINGS)) {
            RawHttp.Answer answer = RawHttp.get(target);
            // 401: it names a resource; 404: it names none; 400: the HTTP layer cannot parse it as a
            // URI at all (a bare '%', a backslash), answered there before any routing, without a body
            boolean problem = answer.body().contains("\"status\":" + answer.status());
            boolean understood = Set.of(401, 404).contains(answer.status()) && problem;
            boolean unparseable = answer.status() == 400 && (problem || answer.body().isEmpty());
            if (!understood && !unparseable) {
                wrong.add(target + " -> " + answer.status() + " " + answer.body());
            }
            if (answer.status() == 401) {
                assertTrue(answer.header("WWW-Authenticate").startsWith("Bearer"), target);
            }
        }
        assertEquals(List.of(), wrong, "spellings answered with neither 401, 404 nor 400");
    }

    @Test
    void withAKeyEverySpellingBehavesLikeThePlainPathOr404() {
        String plainList = RawHttp.get("/payments", "Authorization: Bearer " + ACME_KEY).body();
        List<String> wrong = new ArrayList<>();
        for (String target : LIST_SPELLINGS) {
            RawHttp.Answer answer = RawHttp.get(target, "Authorization: Bearer " + ACME_KEY);
            boolean likePlain = answer.status() == 200 && answer.body().startsWith("{\"data\":");
            if (!likePlain && !Set.of(404, 400).contains(answer.status())) {
                wrong.add(target + " -> " + answer.status() + " " + answer.body());
            }
        }
        for (String target : ONE_SPELLINGS) {
            RawHttp.Answer answer = RawHttp.get(target, "Authorization: Bearer " + ACME_KEY);
            if (!Set.of(404, 400).contains(answer.status())) {
                wrong.add(target + " -> " + answer.status() + " " + answer.body());
            }
        }
        assertEquals(List.of(), wrong, "spellings that did neither what the plain path does nor 404");
        assertTrue(plainList.startsWith("{\"data\":"), plainList);
    }

    @Test
    void missingCredentialsAre401WithBearerChallenge() {
        Map<String, Object> body = visa();
        given().header("Idempotency-Key", newKey()).contentType(ContentType.JSON).body(body).post("/payments")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", equalTo("Bearer realm=\"payments\""))
                .body("status", equalTo(401));
        given().get("/payments").then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"));
        given().get("/payments/" + UUID.randomUUID()).then().statusCode(401);
        assertEquals(0, TestDatabase.paymentsDescribed((String) body.get("description")));
    }

    @Test
    void unknownKeyIs401() {
        as("sk_test_nobody").get("/payments").then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", containsString("invalid_token"))
                .body("detail", not(containsString("sk_test_nobody")));
    }

    @Test
    void unknownAndMalformedKeysCostNoQueryOnceSeen() {
        String unknown = "sk_test_" + UUID.randomUUID().toString().replace("-", "");
        double before = metric("payments_auth_lookups_total");
        as(unknown).get("/payments").then().statusCode(401);
        assertEquals(before + 1, metric("payments_auth_lookups_total"), "a new key is looked up once");
        for (int i = 0; i < 5; i++) {
            as(unknown).get("/payments").then().statusCode(401);
        }
        for (String malformed : new String[] {"not-a-key", "sk_test_", "sk_live_" + "x".repeat(200), "sk_live_" + "a1".repeat(15), "sk_test_a b",
                "' OR 1=1 --", "sk_prod_abcdef", "eyJhbGciOiJIUzI1NiJ9.e30.x"}) {
            given().header("Authorization", "Bearer " + malformed).get("/payments").then().statusCode(401)
                    .header("WWW-Authenticate", containsString("invalid_token"));
        }
        as(ACME_KEY).get("/payments").then().statusCode(200);
        as(ACME_KEY).get("/payments").then().statusCode(200);
        assertEquals(before + 1, metric("payments_auth_lookups_total"),
                "repeating an unknown key, malformed keys and a known key cost no further query");
    }

    @Test
    void otherSchemesAndEmptyTokensAre401() {
        given().header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("acme:sk_test_acme".getBytes()))
                .get("/payments").then().statusCode(401);
        given().header("Authorization", "Bearer ").get("/payments").then().statusCode(401);
        given().header("Authorization", "sk_test_acme").get("/payments").then().statusCode(401);
        given().header("Authorization", "Bearer " + ACME_KEY).header("Authorization", "Bearer " + GLOBEX_KEY)
                .get("/payments").then().statusCode(401);
    }

    @Test
    void demoKeysAuthenticateAndSchemeIsCaseInsensitive() {
        as(ACME_KEY).get("/payments").then().statusCode(200);
        as(GLOBEX_KEY).get("/payments").then().statusCode(200);
        given().header("Authorization", "bearer " + ACME_KEY).get("/payments").then().statusCode(200);
        given().header("Authorization", "BEARER " + ACME_KEY).get("/payments").then().statusCode(200);
    }

    @Test
    void unauthenticatedRequestsAreRefusedBeforeAnyWork() {
        Map<String, Object> body = visa();
        String key = newKey();
        given().header("Idempotency-Key", key).contentType(ContentType.JSON).body(body).post("/payments")
                .then().statusCode(401);
        given().header("Authorization", "Bearer sk_test_nobody").header("Idempotency-Key", key)
                .contentType(ContentType.JSON).body(body).post("/payments").then().statusCode(401);
        assertEquals(0, TestDatabase.keyRows(ACME, key));
        assertEquals(0, TestDatabase.paymentsDescribed((String) body.get("description")));
        // a method or path that names no resource is refused as such, authenticated or not
        given().delete("/payments").then().statusCode(405);
        given().get("/payments/a/b").then().statusCode(404);
    }

    @Test
    void aMerchantOverItsRateLimitGets429WithRetryAfterAndOthersDoNot() {
        TestDatabase.update("INSERT INTO merchants (id, name, api_key_sha256) VALUES (?, 'Throttled', "
                + "encode(sha256(?::bytea), 'hex')) ON CONFLICT DO NOTHING", THROTTLED, THROTTLED_KEY);
        int limited = 0;
        for (int i = 0; i < 4 * THROTTLED_RATE + 4; i++) {
            var response = as(THROTTLED_KEY).get("/payments");
            if (response.statusCode() == 429) {
                limited++;
                response.then().contentType("application/problem+json").header("Retry-After", notNullValue())
                        .body("type", endsWith("/rate-limited"));
                assertTrue(Integer.parseInt(response.header("Retry-After")) >= 1);
            } else {
                assertEquals(200, response.statusCode());
            }
        }
        assertTrue(limited > 0, "requests beyond the burst are refused");
        as(ACME_KEY).get("/payments").then().statusCode(200);
    }

    @Test
    void apiKeysAreStoredOnlyAsSha256() {
        assertEquals(0, TestDatabase.number("SELECT count(*) FROM merchants WHERE api_key_sha256 LIKE 'sk_%'"));
        assertEquals(1, TestDatabase.number("SELECT count(*) FROM merchants WHERE id = 'acme' AND api_key_sha256 = "
                + "encode(sha256('sk_test_acme'::bytea), 'hex')"));
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }
}
