package dev.payments.event;

import io.quarkus.test.junit.QuarkusIntegrationTest;

@QuarkusIntegrationTest
class EventsIT extends EventsTest {
}
