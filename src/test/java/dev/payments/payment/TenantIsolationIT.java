package dev.payments.payment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link TenantIsolationTest} against the packaged application. */
@QuarkusIntegrationTest
class TenantIsolationIT extends TenantIsolationTest {
}
