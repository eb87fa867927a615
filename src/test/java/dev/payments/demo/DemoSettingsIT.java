package dev.payments.demo;

import static org.junit.jupiter.api.Assertions.*;

import dev.payments.testsupport.ServiceProcess;
import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusIntegrationTest;
import io.restassured.RestAssured;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The packaged jar in the prod profile refuses demo settings unless PAYMENTS_DEMO=true says it is
 * a demo, and then warns once per setting; Swagger UI and the playground are off in production and on in a demo.
 * Each case starts another instance of the jar on the tests' database.
 */
@QuarkusIntegrationTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class DemoSettingsIT {

    @Test
    void productionRefusesToStartWithDemoSettings() throws Exception {
        ServiceProcess service = TestDatabase.anotherService("demo-refused")
                .with("PAYMENTS_DEMO", "false")
                .with("PAYMENTS_DEMO_MERCHANTS", "true")
                .with("PAYMENTS_WEBHOOKS_ALLOW_INSECURE_LOCAL", "true")
                .with("PAYMENTS_PROCESSOR_URL", "http://processor.example:8090")
                .with("PAYMENTS_PROCESSOR_API_KEY", "sk_sim_demo")
                .with("PAYMENTS_PLAYGROUND_ENABLED", "true");
        int exit = service.startExpectingExit(Duration.ofSeconds(60));
        assertNotEquals(0, exit, "refused to start");
        String log = service.log();
        assertTrue(log.contains("demo settings in production"), log);
        for (String named : new String[] {"payments.demo-merchants", "payments.webhooks.allow-insecure-local",
                "payments.processor.url is http://processor.example:8090", "payments.playground.enabled"}) {
            assertTrue(log.contains(named), "the refusal names " + named + ": " + log);
        }
        assertFalse(log.contains("sk_sim_demo"), "the key itself is never logged");
    }

    @Test
    void productionWithoutThemStartsWithoutSwaggerUi() throws Exception {
        ServiceProcess service = TestDatabase.anotherService("demo-none")
                .with("PAYMENTS_DEMO", "false")
                .with("PAYMENTS_DEMO_MERCHANTS", "false")
                // plain http is fine to this machine
                .with("PAYMENTS_PROCESSOR_URL", "http://127.0.0.1:9")
                .with("PAYMENTS_PROCESSOR_API_KEY", "sk_sim_demo");
        try {
            service.start();
            RestAssured.given().get(service.baseUrl() + "/q/swagger-ui/").then().statusCode(404);
            RestAssured.given().get(service.baseUrl() + "/q/openapi").then().statusCode(200);
            RestAssured.given().get(service.baseUrl() + "/playground/").then().statusCode(404)
                    .contentType("application/problem+json");
            RestAssured.given().get(service.baseUrl() + "/playground/playground.js").then().statusCode(404);
            RestAssured.given().redirects().follow(false).get(service.baseUrl() + "/").then().statusCode(404);
            assertFalse(service.log().contains("PAYMENTS_DEMO=true"), "no demo warning");
        } finally {
            service.stop();
        }
    }

    @Test
    void productionRefusesTheDemoProcessor() throws Exception {
        ServiceProcess service = TestDatabase.anotherService("demo-processor")
                .with("PAYMENTS_DEMO", "false")
                .with("PAYMENTS_DEMO_MERCHANTS", "false");
        assertNotEquals(0, service.startExpectingExit(Duration.ofSeconds(60)), "refused to start");
        assertTrue(service.log().contains("in-process demo processor"), service.log());
    }

    @Test
    void aDemoSaysSoOncePerSetting() throws Exception {
        ServiceProcess service = TestDatabase.anotherService("demo-said")
                .with("PAYMENTS_DEMO", "true")
                .with("PAYMENTS_DEMO_MERCHANTS", "true")
                .with("PAYMENTS_WEBHOOKS_ALLOW_INSECURE_LOCAL", "true");
        try {
            service.start();
            RestAssured.given().get(service.baseUrl() + "/q/swagger-ui/").then().statusCode(200);
            RestAssured.given().get(service.baseUrl() + "/playground/").then().statusCode(200);
            String log = service.log();
            assertEquals(4, log.lines().filter(line -> line.contains("WARN") && line.contains("PAYMENTS_DEMO=true")).count(), log);
            assertEquals(1, log.lines().filter(line -> line.contains("WARN") && line.contains("demo processor")).count(), log);
            assertEquals(1, log.lines().filter(line -> line.contains("WARN") && line.contains("payments.demo-merchants")).count(), log);
            assertEquals(1, log.lines().filter(line -> line.contains("WARN") && line.contains("allow-insecure-local")).count(), log);
            assertEquals(1, log.lines().filter(line -> line.contains("WARN") && line.contains("payments.playground.enabled")).count(), log);
        } finally {
            service.stop();
        }
    }
}
