package dev.payments.http;

import io.quarkus.test.junit.QuarkusIntegrationTest;

/** {@link MerchantShareTest} against the packaged application. */
@QuarkusIntegrationTest
class MerchantShareIT extends MerchantShareTest {
}
