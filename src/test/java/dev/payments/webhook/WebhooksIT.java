package dev.payments.webhook;

import io.quarkus.test.junit.QuarkusIntegrationTest;

@QuarkusIntegrationTest
class WebhooksIT extends WebhooksTest {
}
