package dev.payments.webhook;

import static dev.payments.testsupport.Api.*;
import static org.hamcrest.Matchers.*;

import dev.payments.testsupport.TestDatabase;
import dev.payments.testsupport.TestEnvironment;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
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

    @Test
    void aKeyWhoseRequestHasExpiredHasItsUrlCheckedLikeANewOne() {
        String key = newKey();
        // registering resolves and checks the address; nothing is sent until an event comes
        String first = post(ACME_KEY, key, "/webhook_endpoints", Map.of("url", "https://8.8.8.8/hook", "enabled_events",
                List.of("refund.failed"))).then().statusCode(201).extract().path("id");
        as(ACME_KEY).delete("/webhook_endpoints/" + first).then().statusCode(204);
        TestDatabase.age(ACME, key, Duration.ofHours(25));
        // the same key, now with a forbidden URL: no replay of the old answer, no 422, the URL refused
        post(ACME_KEY, key, "/webhook_endpoints", Map.of("url", "https://10.0.0.1/hook", "enabled_events",
                List.of("refund.failed"))).then().statusCode(400).header("Idempotent-Replayed", nullValue())
                .body("errors[0].field", equalTo("url"));
        // and with the first URL again: checked again and registered anew
        String second = post(ACME_KEY, key, "/webhook_endpoints", Map.of("url", "https://8.8.8.8/hook", "enabled_events",
                List.of("refund.failed"))).then().statusCode(201).header("Idempotent-Replayed", nullValue())
                .extract().path("id");
        org.junit.jupiter.api.Assertions.assertNotEquals(first, second, "a new endpoint, not the expired answer");
        as(ACME_KEY).delete("/webhook_endpoints/" + second).then().statusCode(204);
    }
}
