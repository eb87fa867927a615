package dev.payments.payment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link LogHygieneTest} against the packaged application. */
@QuarkusIntegrationTest
class LogHygieneIT extends LogHygieneTest {
}
