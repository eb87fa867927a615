package dev.payments.webhook;

import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Size;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The body of POST /webhook_endpoints. */
@Schema(name = "CreateWebhookEndpointRequest")
public record CreateWebhookEndpointRequest(
        @Schema(description = "Where events are POSTed: https, on a public address", required = true,
                example = "https://shop.example/webhooks/payments", maxLength = 2048)
        @NotNull @Size(min = 1, max = 2048)
        String url,

        @Schema(description = "The event types to send, or [\"*\"] for all of them", required = true,
                example = "[\"payment.succeeded\", \"refund.succeeded\"]")
        @NotNull @Size(min = 1, max = 8)
        List<@NotNull(message = "must be an event type") String> enabledEvents,

        @Schema(description = "Free text for your records", maxLength = 500)
        @Size(max = 500)
        String description) {

    /** The same endpoint whatever the order or repetition of its event types. */
    CreateWebhookEndpointRequest normalized() {
        return new CreateWebhookEndpointRequest(url, enabledEvents.stream().distinct().sorted().toList(), description);
    }
}
