package dev.payments.payment;

import io.quarkus.test.junit.QuarkusIntegrationTest;

@QuarkusIntegrationTest
class LifecycleRaceIT extends LifecycleRaceTest {
}
