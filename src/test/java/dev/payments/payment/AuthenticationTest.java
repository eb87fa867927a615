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
import java.util.Map;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class AuthenticationTest {

    @Test
    void missingCredentialsAre401WithBearerChallenge() {
        Map<String, Object> body = visa();
        given().header("Idempotency-Key", newKey()).contentType(ContentType.JSON).body(body).post("/payments")
                .then().statusCode(401).contentType("application/problem+json")
                .header("WWW-Authenticate", startsWith("Bearer"))
                .body("status", equalTo(401));
        given().get("/payments").then().statusCode(401).header("WWW-Authenticate", startsWith("Bearer"));
        given().get("/payments/" + java.util.UUID.randomUUID()).then().statusCode(401);
        assertEquals(0, TestDatabase.paymentsDescribed((String) body.get("description")));
    }

    @Test
    void unknownKeyIs401() {
        as("sk_test_nobody").get("/payments").then().statusCode(401)
                .header("WWW-Authenticate", containsString("invalid_token"))
                .body("detail", not(containsString("sk_test_nobody")));
    }

    @Test
    void otherSchemesAndEmptyTokensAre401() {
        given().header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("acme:sk_test_acme".getBytes()))
                .get("/payments").then().statusCode(401);
        given().header("Authorization", "Bearer ").get("/payments").then().statusCode(401);
        given().header("Authorization", "sk_test_acme").get("/payments").then().statusCode(401);
    }

    @Test
    void demoKeysAuthenticateAndSchemeIsCaseInsensitive() {
        as(ACME_KEY).get("/payments").then().statusCode(200);
        as(GLOBEX_KEY).get("/payments").then().statusCode(200);
        given().header("Authorization", "bearer " + ACME_KEY).get("/payments").then().statusCode(200);
    }

    @Test
    void authenticationComesBeforeRoutingErrors() {
        given().delete("/payments").then().statusCode(401);
        given().get("/payments/a/b").then().statusCode(401);
        given().contentType(ContentType.TEXT).body("x").post("/payments").then().statusCode(401);
    }

    @Test
    void apiKeysAreStoredOnlyAsSha256() {
        assertEquals(0, TestDatabase.number("SELECT count(*) FROM merchants WHERE api_key_sha256 LIKE 'sk_%'"));
        assertEquals(1, TestDatabase.number("SELECT count(*) FROM merchants WHERE id = 'acme' AND api_key_sha256 = "
                + "encode(sha256('sk_test_acme'::bytea), 'hex')"));
    }
}
