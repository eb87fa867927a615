package dev.payments.webhook;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link SecretsAtRestTest} against the packaged application. */
@QuarkusIntegrationTest
class SecretsAtRestIT extends SecretsAtRestTest {
}
