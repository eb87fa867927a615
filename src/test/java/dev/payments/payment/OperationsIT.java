package dev.payments.payment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link OperationsTest} against the packaged application. */
@QuarkusIntegrationTest
class OperationsIT extends OperationsTest {
}
