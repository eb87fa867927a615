package dev.payments.database;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link SchemaIntegrityTest} against the packaged application. */
@QuarkusIntegrationTest
class SchemaIntegrityIT extends SchemaIntegrityTest {
}
