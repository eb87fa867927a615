package dev.payments.webhook;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(name = "WebhookDeliveryList")
public record DeliveryList(
        @Schema(description = "The endpoint's deliveries, newest first") List<DeliveryResponse> data,
        @Schema(description = "Whether older deliveries follow; pass the last id as starting_after to get them") boolean hasMore) {
}
