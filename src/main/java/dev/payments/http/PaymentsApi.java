package dev.payments.http;

import dev.payments.problem.Problem;
import jakarta.ws.rs.core.Application;
import org.eclipse.microprofile.openapi.annotations.Components;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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
        tags = {
                @Tag(name = "Payments", description = "Create, capture and cancel payments exactly once per Idempotency-Key, "
                        + "and read them back"),
                @Tag(name = "Refunds", description = "Refund captured payments in parts, exactly once per Idempotency-Key"),
                @Tag(name = "Events", description = "Every change of a payment or refund, written with the change itself"),
                @Tag(name = "Webhooks", description = "Endpoints that every event is POSTed to, signed, at least once")},
        components = @Components(
                parameters = @Parameter(name = "IdempotencyKey", in = ParameterIn.HEADER, required = true,
                        description = "Your unique id for this request: 1 to 255 visible ASCII characters; a quoted "
                                + "form \"abc\" means abc. Send the same key when you retry; a key names one request.",
                        example = "order-1001-refund-1",
                        schema = @Schema(type = SchemaType.STRING, minLength = 1, maxLength = 257)),
                responses = {
                        @APIResponse(name = "BadRequest", responseCode = "400",
                                description = "Invalid body or Idempotency-Key; the key is not used up",
                                content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class))),
                        @APIResponse(name = "NoSuchPayment", responseCode = "404",
                                description = "No such payment for this merchant; the key is not used up",
                                content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class))),
                        @APIResponse(name = "NoSuchWebhookEndpoint", responseCode = "404",
                                description = "No such webhook endpoint for this merchant; the key is not used up",
                                content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class))),
                        @APIResponse(name = "KeyReused", responseCode = "422",
                                description = "The Idempotency-Key was used with a different request (another method, "
                                        + "path or body)",
                                content = @Content(mediaType = Problem.MEDIA_TYPE, schema = @Schema(implementation = Problem.class)))}))
@SecurityScheme(securitySchemeName = PaymentsApi.BEARER, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "Your API key, e.g. sk_test_acme")
public class PaymentsApi extends Application {

    public static final String BEARER = "bearer";
}
