package dev.payments.payment;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.info.License;
import org.eclipse.microprofile.openapi.annotations.servers.Server;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The API's OpenAPI description; the resources are found by Quarkus without listing them here. */
@OpenAPIDefinition(
        info = @Info(title = "Payment service", version = "1.0.0",
                description = "Idempotent payment API: a retried, duplicated or racing POST /payments with the same "
                        + "Idempotency-Key resolves to the original payment. Authenticate with 'Authorization: Bearer <api key>' "
                        + "(demo keys: sk_test_acme, sk_test_globex). Errors are RFC 9457 application/problem+json.",
                license = @License(name = "Apache-2.0", url = "https://www.apache.org/licenses/LICENSE-2.0")),
        servers = @Server(url = "http://localhost:8080", description = "Local (quarkus:dev, the jar, or docker compose)"),
        tags = @Tag(name = "Payments", description = "Create payments exactly once per Idempotency-Key, and read them back"))
@SecurityScheme(securitySchemeName = PaymentsApi.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "Your API key, e.g. sk_test_acme")
public class PaymentsApi extends Application {

    static final String BEARER = "bearer";
}
