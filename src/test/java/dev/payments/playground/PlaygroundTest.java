package dev.payments.playground;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.*;

import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * The playground is served (on in dev, the tests and a demo), with a policy that lets its page run
 * only its own scripts and talk only to this origin. Its scenes are played in a real browser by
 * src/test/browser/playground.test.mjs; production without a demo is DemoSettingsIT's.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class PlaygroundTest {

    @Test
    void rootSendsABrowserToThePlayground() {
        given().redirects().follow(false).get("/")
                .then().statusCode(303).header("Location", endsWith("/playground/"));
        given().redirects().follow(false).get("/playground")
                .then().statusCode(303).header("Location", endsWith("/playground/"));
    }

    @Test
    void pageRunsOnlyItsOwnScriptsAndTalksOnlyToThisOrigin() {
        given().get("/playground/")
                .then().statusCode(200).contentType(startsWith("text/html"))
                .header("Content-Security-Policy", allOf(containsString("default-src 'none'"),
                        containsString("script-src 'self'"), containsString("connect-src 'self'"),
                        containsString("frame-ancestors 'none'")))
                .header("X-Content-Type-Options", "nosniff")
                .header("Cache-Control", "no-store")
                .body(containsString("<script src=\"playground.js\" defer></script>"), not(containsString("http://")),
                        not(containsString("https://")));
        given().get("/playground/playground.js").then().statusCode(200)
                .body(not(containsString("http://")), not(containsString("https://")), not(containsString("innerHTML")));
        given().get("/playground/playground.css").then().statusCode(200).contentType(startsWith("text/css"));
    }

    @Test
    void pageIsReadOnly() {
        given().post("/playground/")
                .then().statusCode(405).contentType("application/problem+json").header("Allow", "GET, HEAD");
    }

    @Test
    void unknownFileIsAProblem() {
        given().get("/playground/nothing-here.js").then().statusCode(404).contentType("application/problem+json");
    }
}
