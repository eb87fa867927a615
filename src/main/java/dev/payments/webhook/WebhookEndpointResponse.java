package dev.payments.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "WebhookEndpoint")
public record WebhookEndpointResponse(
        @Schema(example = "019ab5b4-3a1c-7d2e-8f40-6b5c4d3e2f10") UUID id,
        @Schema(example = "https://shop.example/webhooks/payments") String url,
        @Schema(description = "Event types sent to this endpoint, or [\"*\"] for all", example = "[\"payment.succeeded\"]")
        List<String> enabledEvents,
        String description,
        @Schema(description = "enabled, or disabled (after its deliveries failed for 5 days)",
                enumeration = {"enabled", "disabled"}) String status,
        @Schema(description = "ISO-8601, UTC") Instant createdAt,
        @Schema(description = "The signing secret: only in the answer of POST /webhook_endpoints (and of its replay) and "
                + "of rotate_secret; never shown again", example = "whsec_Zm9vYmFyYmF6cXV4cXV1eGNvcmdlZ3JhdWx0Z2FycGx5")
        @JsonInclude(JsonInclude.Include.NON_NULL)
        String secret) {
}
