package dev.payments.payment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link RaceTest} against the packaged application. */
@QuarkusIntegrationTest
class RaceIT extends RaceTest {
}
