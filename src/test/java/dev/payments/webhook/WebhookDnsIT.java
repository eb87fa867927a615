package dev.payments.webhook;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link WebhookDnsTest} against the packaged application. */
@QuarkusIntegrationTest
class WebhookDnsIT extends WebhookDnsTest {
}
