package dev.payments.merchant;

import static dev.payments.testsupport.Api.ACME_KEY;
import static dev.payments.testsupport.Api.as;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import org.junit.jupiter.api.Test;

/**
 * A resource that forgets its security annotation is closed, not public: anonymous callers get
 * 401 and merchants 403. In process only: the probe resource below is test code, which the
 * packaged application does not contain.
 */
@QuarkusTest
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class DenyByDefaultTest {

    /** A resource as a future change might add it: no @Authenticated, no @PermitAll. */
    @Path("/unannotated-probe")
    public static class UnannotatedResource {
        @GET
        public String secret() {
            return "reached";
        }
    }

    @Test
    void anEndpointWithoutASecurityAnnotationIsDenied() {
        given().get("/unannotated-probe").then().statusCode(401).contentType("application/problem+json");
        as(ACME_KEY).get("/unannotated-probe").then().statusCode(403).contentType("application/problem+json")
                .body("type", equalTo("https://payments.example/problems/forbidden"));
    }
}
