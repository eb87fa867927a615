package dev.payments.payment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

@QuarkusIntegrationTest
class LifecycleIT extends LifecycleTest {
}
