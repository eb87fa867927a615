package dev.payments.webhook;

import static dev.payments.testsupport.Api.*;
import static org.hamcrest.Matchers.*;

import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The service as production runs it, without the allowance for local receivers: no URL on
 * loopback, by address or by a name that resolves to it, nor any other address inside the network,
 * may be registered, however it is spelled.
 */
@QuarkusTest
@TestProfile(WebhookAddressesTest.Production.class)
@WithTestResource(value = TestEnvironment.class, scope = TestResourceScope.GLOBAL)
class WebhookAddressesTest {

    public static class Production implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("payments.webhooks.allow-insecure-local", "false");
        }
    }

    @Test
    void loopbackPrivateAndMetadataAddressesAreRefusedHoweverSpelled() {
        for (String url : List.of("https://127.0.0.1/hook", "https://localhost/hook", "https://LOCALHOST./hook",
                "https://127.1/hook", "https://2130706433/hook", "https://0x7f000001/hook", "https://[::1]/hook",
                "https://[::ffff:127.0.0.1]/hook", "https://[::127.0.0.1]/hook", "https://[64:ff9b::a00:1]/hook",
                "https://[2002:a9fe:a9fe::]/hook", "https://10.0.0.1/hook", "https://169.254.169.254/latest/meta-data",
                "https://[fd00:ec2::254]/hook", "http://127.0.0.1:8080/hook", "http://localhost/hook")) {
            post(ACME_KEY, newKey(), "/webhook_endpoints", Map.of("url", url, "enabled_events", List.of("*")))
                    .then().statusCode(400).contentType("application/problem+json")
                    .body("errors[0].field", equalTo("url"))
                    .body("errors[0].message", anyOf(containsString("webhooks go to public addresses only"),
                            containsString("https"), containsString("does not resolve"),
                            containsString("absolute URL with a host")));
        }
    }
}
