package dev.payments.payment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link IdempotencyTest} against the packaged application. */
@QuarkusIntegrationTest
class IdempotencyIT extends IdempotencyTest {
}
