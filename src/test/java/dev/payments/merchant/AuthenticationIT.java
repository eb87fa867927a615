package dev.payments.merchant;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link AuthenticationTest} against the packaged application. */
@QuarkusIntegrationTest
class AuthenticationIT extends AuthenticationTest {
}
