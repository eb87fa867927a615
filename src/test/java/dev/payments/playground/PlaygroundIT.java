package dev.payments.playground;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** The same against the packaged jar: a demo (payments.demo), so the playground is on. */
@QuarkusIntegrationTest
class PlaygroundIT extends PlaygroundTest {
}
