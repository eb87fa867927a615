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
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class OperationsTest {

    @Test
    void healthIsUpAndReadinessChecksTheDatabase() {
        given().get(management() + "/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        given().get(management() + "/q/health/ready").then().statusCode(200).body("status", equalTo("UP"))
                .body("checks.name", hasItem(containsStringIgnoringCase("database")));
    }

    @Test
    void healthAndMetricsAreOnlyOnTheManagementInterface() {
        given().get("/q/health").then().statusCode(404);
        given().get("/q/metrics").then().statusCode(404);
        given().get(management() + "/q/metrics").then().statusCode(200);
        given().accept("application/json").get("/q/openapi").then().statusCode(200);
    }

    @Test
    void operationalEndpointsAnswerOnlyTheirOwnMethods() {
        for (String url : new String[] {management() + "/q/health", management() + "/q/health/ready",
                management() + "/q/metrics", "/q/openapi", "/q/swagger-ui/"}) {
            for (String method : new String[] {"POST", "PUT", "DELETE", "PATCH", "TRACE", "OPTIONS"}) {
                Response response = given().request(method, url);
                assertEquals(405, response.statusCode(), method + " " + url);
                response.then().header("Allow", equalTo("GET, HEAD")).contentType("application/problem+json");
            }
            given().head(url).then().statusCode(200);
        }
    }

    @Test
    void apiAnswersAreNeverCached() {
        as(ACME_KEY).get("/payments").then().statusCode(200).header("Cache-Control", equalTo("no-store"));
        given().get("/payments").then().statusCode(401).header("Cache-Control", equalTo("no-store"));
        create(ACME_KEY, newKey(), visa()).then().statusCode(201).header("Cache-Control", equalTo("no-store"));
        as(ACME_KEY).get("/payments/" + java.util.UUID.randomUUID()).then().statusCode(404)
                .header("Cache-Control", equalTo("no-store"));
    }

    @Test
    void metricsCountCreatesReplaysAndConflicts() {
        String key = newKey();
        var body = visa();
        create(ACME_KEY, key, body).then().statusCode(201);
        create(ACME_KEY, key, body).then().statusCode(201);
        body.put("amount", 1);
        create(ACME_KEY, key, body).then().statusCode(422);
        create(ACME_KEY, newKey(), payment("pm_card_declined")).then().statusCode(402);
        String metrics = given().get(management() + "/q/metrics").then().statusCode(200).extract().asString();
        for (String counter : new String[] {"payments_created_total{status=\"succeeded\"}",
                "payments_created_total{status=\"declined\"}", "payments_idempotency_replays_total",
                "payments_idempotency_conflicts_total", "payments_idempotency_lock_timeouts_total"}) {
            assertTrue(metrics.contains(counter), counter + " missing");
        }
        assertTrue(value(metrics, "payments_idempotency_replays_total") >= 1);
        assertTrue(value(metrics, "payments_idempotency_conflicts_total") >= 1);
        assertTrue(value(metrics, "payments_created_total{status=\"declined\"}") >= 1);
    }

    private static double value(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(l.substring(name.length() + 1)))
                .findFirst().orElse(-1);
    }

    @Test
    void openApiDescribesTheIdempotencyContract() {
        String doc = given().accept("application/json").get("/q/openapi").then().statusCode(200).extract().asString();
        for (String expected : new String[] {"Idempotency-Key", "Idempotent-Replayed", "Retry-After", "WWW-Authenticate",
                "\"201\"", "\"400\"", "\"401\"", "\"402\"", "\"404\"", "\"408\"", "\"409\"", "\"413\"", "\"415\"", "\"422\"", "\"429\"", "\"503\"",
                "application/problem+json", "payment_method", "has_more", "bearer"}) {
            assertTrue(doc.contains(expected), "OpenAPI lacks " + expected);
        }
        assertFalse(doc.contains("paymentMethod"), "schemas must use the JSON (snake_case) names");
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
