package dev.payments.payment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link ProcessorFlowTest} against the packaged application. */
@QuarkusIntegrationTest
class ProcessorFlowIT extends ProcessorFlowTest {
}
