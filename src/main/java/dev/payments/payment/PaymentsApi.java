package dev.payments.payment;

import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

/** The API's OpenAPI description; the resources are found by Quarkus without listing them here. */
@OpenAPIDefinition(info = @Info(title = "Payment service", version = "1.0.0",
        description = "Idempotent payment API: a retried, duplicated or racing POST /payments with the same "
                + "Idempotency-Key resolves to the original payment. Authenticate with 'Authorization: Bearer <api key>' "
                + "(demo keys: sk_test_acme, sk_test_globex). Errors are RFC 9457 application/problem+json."))
@SecurityScheme(securitySchemeName = PaymentsApi.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "Your API key, e.g. sk_test_acme")
public class PaymentsApi extends Application {

    static final String BEARER = "bearer";
}
