package dev.payments.payment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link ReadPaymentsTest} against the packaged application. */
@QuarkusIntegrationTest
class ReadPaymentsIT extends ReadPaymentsTest {
}
