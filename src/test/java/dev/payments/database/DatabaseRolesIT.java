package dev.payments.database;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link DatabaseRolesTest} against the packaged application. */
@QuarkusIntegrationTest
class DatabaseRolesIT extends DatabaseRolesTest {
}
